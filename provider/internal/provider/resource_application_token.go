package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockmaster/dockmaster/internal/apiv1"
)

const maxTokenName = 128

type applicationTokenResource struct {
	data *providerData
	now  func() time.Time
}

var (
	_ resource.ResourceWithConfigure  = (*applicationTokenResource)(nil)
	_ resource.ResourceWithModifyPlan = (*applicationTokenResource)(nil)
)

// NewApplicationTokenResource is the constructor of dockmaster_application_token.
func NewApplicationTokenResource() resource.Resource {
	return &applicationTokenResource{now: time.Now}
}

func (r *applicationTokenResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_application_token"
}

func (r *applicationTokenResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An application token of a user: the password for `docker login` and a Bearer token for the API, acting as that user. " +
			"The server shows its secret once, at creation, so the token has no update and no import: every change replaces it " +
			"(the old token is revoked). `secret` is kept in the state, sensitive; prefer the ephemeral `dockmaster_registry_credentials` " +
			"when the secret is only handed to another provider.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "The token's ID on the server.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"username": schema.StringAttribute{
				Required: true, MarkdownDescription: "The user the token acts as. Changing it replaces the token.",
				Validators:    []validator.String{validName()},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"name": schema.StringAttribute{
				Required: true, MarkdownDescription: fmt.Sprintf("A label, at most %d bytes. Changing it replaces the token.", maxTokenName),
				Validators:    []validator.String{stringvalidator.LengthBetween(1, maxTokenName)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"expires_at": schema.StringAttribute{
				Optional: true, MarkdownDescription: "When the token stops working, " + futureTimeRule + ". Unset: never. Changing it replaces the token.",
				Validators:    []validator.String{rfc3339Validator{}},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"created_at": schema.StringAttribute{
				Computed: true, MarkdownDescription: "When the token was made (RFC 3339).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"secret": schema.StringAttribute{
				Computed: true, Sensitive: true, MarkdownDescription: "The token's secret (`dmt_…`), sensitive.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *applicationTokenResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configured(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan checks that a new token's expiry lies in the future.
func (r *applicationTokenResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var planExp, stateExp types.String
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("expires_at"), &planExp)...)
	if !req.State.Raw.IsNull() {
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("expires_at"), &stateExp)...)
	}
	if resp.Diagnostics.HasError() || planExp.IsNull() || planExp.IsUnknown() || planExp.Equal(stateExp) {
		return
	}
	if t, err := time.Parse(time.RFC3339, planExp.ValueString()); err == nil && !t.After(r.now()) {
		resp.Diagnostics.AddAttributeError(path.Root("expires_at"), "Time in the past",
			fmt.Sprintf("expires_at %s is not in the future: give a later time, or none.", planExp.ValueString()))
	}
}

func (r *applicationTokenResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan applicationTokenModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !needData(r.data, &resp.Diagnostics) {
		return
	}
	exp, err := parseTime(plan.ExpiresAt)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("expires_at"), "Invalid time", err.Error())
		return
	}
	user := plan.Username.ValueString()
	tok, err := r.data.client.CreateToken(ctx, user, apiv1.CreateToken{Name: plan.Name.ValueString(), ExpiresAt: exp})
	if err != nil {
		resp.Diagnostics.Append(apiError(fmt.Sprintf("create an application token for %q", user), err))
		return
	}
	state := tokenFromAPI(tok, plan)
	state.Secret = types.StringValue(tok.Secret)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

func (r *applicationTokenResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state applicationTokenModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !needData(r.data, &resp.Diagnostics) {
		return
	}
	user := state.Username.ValueString()
	tok, err := r.data.client.GetToken(ctx, user, state.ID.ValueString())
	if gone(err) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.Append(apiError(fmt.Sprintf("read application token %s of %q", state.ID.ValueString(), user), err))
		return
	}
	next := tokenFromAPI(tok, state)
	next.Secret = state.Secret
	resp.Diagnostics.Append(resp.State.Set(ctx, next)...)
}

// Update is never called: every attribute replaces the token.
func (r *applicationTokenResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	resp.Diagnostics.AddError("Application tokens cannot be updated", "Every change replaces the token; this is a bug in the provider.")
}

func (r *applicationTokenResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state applicationTokenModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !needData(r.data, &resp.Diagnostics) {
		return
	}
	user := state.Username.ValueString()
	if err := r.data.client.DeleteToken(ctx, user, state.ID.ValueString()); err != nil && !gone(err) {
		resp.Diagnostics.Append(apiError(fmt.Sprintf("revoke application token %s of %q", state.ID.ValueString(), user), err))
	}
}

func tokenFromAPI(t apiv1.Token, prior applicationTokenModel) applicationTokenModel {
	return applicationTokenModel{
		ID: types.StringValue(t.ID), Username: types.StringValue(t.Username), Name: types.StringValue(t.Name),
		ExpiresAt: timeValue(t.ExpiresAt, prior.ExpiresAt),
		CreatedAt: timeValue(&t.CreatedAt, prior.CreatedAt),
		Secret:    prior.Secret,
	}
}
