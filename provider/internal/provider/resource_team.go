package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/client"
)

type teamResource struct{ data *providerData }

var (
	_ resource.ResourceWithConfigure   = (*teamResource)(nil)
	_ resource.ResourceWithImportState = (*teamResource)(nil)
)

// NewTeamResource is the constructor of dockmaster_team.
func NewTeamResource() resource.Resource { return &teamResource{} }

func (r *teamResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_team"
}

func (r *teamResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A team: a group of users with roles that owns namespaces. The provider's identity becomes the team's first owner " +
			"(the server requires at least one owner); add members with `dockmaster_team_member`.\n\nImport ID: the team's name.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "The team's name.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The team's name: " + nameRule + ". Changing it replaces the team.",
				Validators:          []validator.String{validName()},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"description": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString(""),
				MarkdownDescription: fmt.Sprintf("Free text, at most %d bytes. Default empty.", maxDescription),
				Validators:          []validator.String{stringvalidator.LengthAtMost(maxDescription)},
			},
		},
	}
}

func (r *teamResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configured(req.ProviderData, &resp.Diagnostics)
}

func (r *teamResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan teamModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !needData(r.data, &resp.Diagnostics) {
		return
	}
	name := plan.Name.ValueString()
	t, err := r.data.client.CreateTeam(ctx, apiv1.CreateTeam{Name: name, Description: plan.Description.ValueString()})
	if client.IsConflict(err) {
		resp.Diagnostics.Append(alreadyExists("dockmaster_team", fmt.Sprintf("Team %q", name), name, err))
		return
	}
	if err != nil {
		resp.Diagnostics.Append(apiError(fmt.Sprintf("create team %q", name), err))
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, teamFromAPI(t))...)
}

func (r *teamResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state teamModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !needData(r.data, &resp.Diagnostics) {
		return
	}
	t, err := r.data.client.GetTeam(ctx, state.Name.ValueString())
	if gone(err) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.Append(apiError(fmt.Sprintf("read team %q", state.Name.ValueString()), err))
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, teamFromAPI(t))...)
}

func (r *teamResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan teamModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !needData(r.data, &resp.Diagnostics) {
		return
	}
	desc := plan.Description.ValueString()
	t, err := r.data.client.UpdateTeam(ctx, plan.Name.ValueString(), apiv1.UpdateTeam{Description: &desc})
	if err != nil {
		resp.Diagnostics.Append(apiError(fmt.Sprintf("update team %q", plan.Name.ValueString()), err))
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, teamFromAPI(t))...)
}

func (r *teamResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state teamModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !needData(r.data, &resp.Diagnostics) {
		return
	}
	err := r.data.client.DeleteTeam(ctx, state.Name.ValueString())
	if err != nil && !(gone(err)) {
		resp.Diagnostics.Append(apiError(fmt.Sprintf("delete team %q", state.Name.ValueString()), err))
	}
}

func (r *teamResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if msg := checkName(req.ID); msg != "" {
		resp.Diagnostics.Append(badImportID("dockmaster_team", "the team's name", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), req.ID)...)
}

func teamFromAPI(t apiv1.Team) teamModel {
	return teamModel{ID: types.StringValue(t.Name), Name: types.StringValue(t.Name), Description: types.StringValue(t.Description)}
}
