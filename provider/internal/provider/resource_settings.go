package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockmaster/dockmaster/internal/apiv1"
)

// settingsID is the ID of the one settings object.
const settingsID = "settings"

type settingsResource struct{ data *providerData }

var (
	_ resource.ResourceWithConfigure   = (*settingsResource)(nil)
	_ resource.ResourceWithImportState = (*settingsResource)(nil)
)

// NewSettingsResource is the constructor of dockmaster_settings.
func NewSettingsResource() resource.Resource { return &settingsResource{} }

func (r *settingsResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_settings"
}

func (r *settingsResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	str := func(desc string, values []string) schema.StringAttribute {
		return schema.StringAttribute{
			Optional: true, Computed: true, MarkdownDescription: desc + ": " + oneOf(values) + ". Unset: left as the server has it.",
			Validators:    []validator.String{stringvalidator.OneOf(values...)},
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		}
	}
	boolean := func(desc string) schema.BoolAttribute {
		return schema.BoolAttribute{
			Optional: true, Computed: true, MarkdownDescription: desc + ". Unset: left as the server has it.",
			PlanModifiers: []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()},
		}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "The site settings, a singleton (admins only): declare at most one. Attributes left unset keep the server's value. " +
			"Destroying the resource leaves the server's settings as they are (there is nothing to delete) and says so.\n\n" +
			"Import ID: `settings`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "Always `settings`.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"push_policy":             str("Who may push where", pushPolicies),
			"anonymous_pull":          boolean("Whether anonymous clients may pull public namespaces"),
			"delete_enabled":          boolean("Whether images may be deleted at all"),
			"contributors_may_delete": boolean("Whether contributors (not only owners) may delete, when deletes are on"),
			"team_creation":           str("Who may create teams", teamCreations),
			"namespace_creation":      str("Who may create namespaces", namespaceCreations),
			"token_lifetime_seconds": schema.Int64Attribute{
				Optional: true, Computed: true,
				MarkdownDescription: "Lifetime of registry tokens, in seconds, from 60 to 86400. Unset: left as the server has it.",
				Validators:          []validator.Int64{int64validator.Between(tokenLifetimeMin, tokenLifetimeMax)},
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *settingsResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configured(req.ProviderData, &resp.Diagnostics)
}

func (r *settingsResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.apply(ctx, req.Plan, &resp.State, &resp.Diagnostics)
}

func (r *settingsResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	if !needData(r.data, &resp.Diagnostics) {
		return
	}
	s, err := r.data.client.GetSettings(ctx)
	if err != nil {
		resp.Diagnostics.Append(apiError("read the settings", err))
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, settingsFromAPI(s))...)
}

func (r *settingsResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.apply(ctx, req.Plan, &resp.State, &resp.Diagnostics)
}

func (r *settingsResource) Delete(ctx context.Context, _ resource.DeleteRequest, resp *resource.DeleteResponse) {
	resp.Diagnostics.AddWarning("Settings left as they are",
		"dockmaster_settings was removed from the state; the server's settings are a singleton and keep their current values.")
}

func (r *settingsResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID != settingsID {
		resp.Diagnostics.Append(badImportID("dockmaster_settings", "`settings`", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, settingsModel{
		ID: types.StringValue(settingsID), PushPolicy: types.StringNull(), AnonymousPull: types.BoolNull(),
		DeleteEnabled: types.BoolNull(), ContributorsMayDelete: types.BoolNull(), TeamCreation: types.StringNull(),
		NamespaceCreation: types.StringNull(), TokenLifetimeSeconds: types.Int64Null(),
	})...)
}

// apply sends the known values of the plan (unset ones are unknown, or the
// state's) and stores what the server answers.
func (r *settingsResource) apply(ctx context.Context, plan tfsdk.Plan, state *tfsdk.State, diags *diag.Diagnostics) {
	var m settingsModel
	diags.Append(plan.Get(ctx, &m)...)
	if diags.HasError() || !needData(r.data, diags) {
		return
	}
	var in apiv1.UpdateSettings
	known := func(v interface {
		IsNull() bool
		IsUnknown() bool
	}) bool {
		return !v.IsNull() && !v.IsUnknown()
	}
	if known(m.PushPolicy) {
		in.PushPolicy = stringPtr(m.PushPolicy.ValueString())
	}
	if known(m.AnonymousPull) {
		in.AnonymousPull = boolPtr(m.AnonymousPull.ValueBool())
	}
	if known(m.DeleteEnabled) {
		in.DeleteEnabled = boolPtr(m.DeleteEnabled.ValueBool())
	}
	if known(m.ContributorsMayDelete) {
		in.ContributorsMayDelete = boolPtr(m.ContributorsMayDelete.ValueBool())
	}
	if known(m.TeamCreation) {
		in.TeamCreation = stringPtr(m.TeamCreation.ValueString())
	}
	if known(m.NamespaceCreation) {
		in.NamespaceCreation = stringPtr(m.NamespaceCreation.ValueString())
	}
	if known(m.TokenLifetimeSeconds) {
		v := int(m.TokenLifetimeSeconds.ValueInt64())
		in.TokenLifetimeSeconds = &v
	}
	s, err := r.data.client.UpdateSettings(ctx, in)
	if err != nil {
		diags.Append(apiError("update the settings", err))
		return
	}
	diags.Append(state.Set(ctx, settingsFromAPI(s))...)
}

func settingsFromAPI(s apiv1.Settings) settingsModel {
	return settingsModel{
		ID: types.StringValue(settingsID), PushPolicy: types.StringValue(s.PushPolicy),
		AnonymousPull: types.BoolValue(s.AnonymousPull), DeleteEnabled: types.BoolValue(s.DeleteEnabled),
		ContributorsMayDelete: types.BoolValue(s.ContributorsMayDelete), TeamCreation: types.StringValue(s.TeamCreation),
		NamespaceCreation: types.StringValue(s.NamespaceCreation), TokenLifetimeSeconds: types.Int64Value(int64(s.TokenLifetimeSeconds)),
	}
}
