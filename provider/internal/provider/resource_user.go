package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/client"
)

type userResource struct{ data *providerData }

var (
	_ resource.ResourceWithConfigure   = (*userResource)(nil)
	_ resource.ResourceWithImportState = (*userResource)(nil)
)

// NewUserResource is the constructor of dockmaster_user.
func NewUserResource() resource.Resource { return &userResource{} }

func (r *userResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_user"
}

func (r *userResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A user account (admins only). The server gives every user a private personal namespace named after them. " +
			"The password is the write-only attribute `password_wo` (Terraform ≥ 1.11): it is sent to the server and never stored in " +
			"the plan or the state; change `password_wo_version` to set a new one.\n\nImport ID: the username.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "The username.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"username": schema.StringAttribute{
				Required: true, MarkdownDescription: "The username: " + nameRule + ". Changing it replaces the user.",
				Validators:    []validator.String{validName()},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"email": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString(""),
				MarkdownDescription: "Email address. Default empty.",
				Validators:          []validator.String{stringvalidator.RegexMatches(emailRE, "must be an email address such as ada@example.com")},
			},
			"display_name": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString(""),
				MarkdownDescription: fmt.Sprintf("Display name, at most %d bytes. Default empty.", maxDisplayName),
				Validators:          []validator.String{stringvalidator.LengthAtMost(maxDisplayName)},
			},
			"admin": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "Whether the user is a site admin (everything everywhere). Default `false`.",
			},
			"enabled": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Whether the user may sign in. Disabling revokes their sessions and refresh tokens. Default `true`.",
			},
			"password_wo": schema.StringAttribute{
				Optional: true, Sensitive: true, WriteOnly: true,
				MarkdownDescription: "The password, write-only: never stored in the plan or state. Required to create the user; " +
					"sent again only when `password_wo_version` changes. " + passwordValidator{}.Description(context.Background()) + ".",
				Validators: []validator.String{passwordValidator{}},
			},
			"password_wo_version": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: "Any number; change it to send `password_wo` to the server again (a password change).",
			},
		},
	}
}

func (r *userResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configured(req.ProviderData, &resp.Diagnostics)
}

func (r *userResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan userModel
	var password types.String
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("password_wo"), &password)...)
	if resp.Diagnostics.HasError() || !needData(r.data, &resp.Diagnostics) {
		return
	}
	if password.IsNull() || password.ValueString() == "" {
		resp.Diagnostics.AddAttributeError(path.Root("password_wo"), "Missing password",
			"password_wo is required to create a user (it is write-only: it never enters the plan or state).")
		return
	}
	name := plan.Username.ValueString()
	u, err := r.data.client.CreateUser(ctx, apiv1.CreateUser{
		Username: name, Email: plan.Email.ValueString(), DisplayName: plan.DisplayName.ValueString(),
		Password: password.ValueString(), Admin: plan.Admin.ValueBool(), Enabled: boolPtr(plan.Enabled.ValueBool()),
	})
	if client.IsConflict(err) {
		resp.Diagnostics.Append(alreadyExists("dockmaster_user", fmt.Sprintf("User %q", name), name, err))
		return
	}
	if err != nil {
		resp.Diagnostics.Append(apiError(fmt.Sprintf("create user %q", name), err))
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, userFromAPI(u, plan))...)
}

func (r *userResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state userModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !needData(r.data, &resp.Diagnostics) {
		return
	}
	u, err := r.data.client.GetUser(ctx, state.Username.ValueString())
	if gone(err) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.Append(apiError(fmt.Sprintf("read user %q", state.Username.ValueString()), err))
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, userFromAPI(u, state))...)
}

func (r *userResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state userModel
	var password types.String
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("password_wo"), &password)...)
	if resp.Diagnostics.HasError() || !needData(r.data, &resp.Diagnostics) {
		return
	}
	var in apiv1.UpdateUser
	if !plan.Email.Equal(state.Email) {
		in.Email = stringPtr(plan.Email.ValueString())
	}
	if !plan.DisplayName.Equal(state.DisplayName) {
		in.DisplayName = stringPtr(plan.DisplayName.ValueString())
	}
	if !plan.Admin.Equal(state.Admin) {
		in.Admin = boolPtr(plan.Admin.ValueBool())
	}
	if !plan.Enabled.Equal(state.Enabled) {
		in.Enabled = boolPtr(plan.Enabled.ValueBool())
	}
	if !plan.PasswordWOVersion.Equal(state.PasswordWOVersion) {
		if password.IsNull() || password.ValueString() == "" {
			resp.Diagnostics.AddAttributeError(path.Root("password_wo"), "Missing password",
				"password_wo_version changed but password_wo is not set: set the new password in password_wo.")
			return
		}
		in.Password = stringPtr(password.ValueString())
	}
	name := plan.Username.ValueString()
	u, err := r.data.client.UpdateUser(ctx, name, in)
	if err != nil {
		resp.Diagnostics.Append(apiError(fmt.Sprintf("update user %q", name), err))
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, userFromAPI(u, plan))...)
}

func (r *userResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state userModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !needData(r.data, &resp.Diagnostics) {
		return
	}
	if err := r.data.client.DeleteUser(ctx, state.Username.ValueString()); err != nil && !gone(err) {
		resp.Diagnostics.Append(apiError(fmt.Sprintf("delete user %q", state.Username.ValueString()), err))
	}
}

func (r *userResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if msg := checkName(req.ID); msg != "" {
		resp.Diagnostics.Append(badImportID("dockmaster_user", "the username", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("username"), req.ID)...)
}

// userFromAPI builds the state of a user; the password never enters it, and
// password_wo_version is the configuration's own.
func userFromAPI(u apiv1.User, prior userModel) userModel {
	return userModel{
		ID: types.StringValue(u.Username), Username: types.StringValue(u.Username),
		Email: types.StringValue(u.Email), DisplayName: types.StringValue(u.DisplayName),
		Admin: types.BoolValue(u.Admin), Enabled: types.BoolValue(u.Enabled),
		PasswordWO: types.StringNull(), PasswordWOVersion: prior.PasswordWOVersion,
	}
}
