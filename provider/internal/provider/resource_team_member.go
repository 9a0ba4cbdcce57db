package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/client"
)

type teamMemberResource struct{ data *providerData }

var (
	_ resource.ResourceWithConfigure   = (*teamMemberResource)(nil)
	_ resource.ResourceWithImportState = (*teamMemberResource)(nil)
)

// NewTeamMemberResource is the constructor of dockmaster_team_member.
func NewTeamMemberResource() resource.Resource { return &teamMemberResource{} }

func (r *teamMemberResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_team_member"
}

func (r *teamMemberResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A user's membership of a team, with a role. Changing the role updates it in place.\n\n" +
			"Import ID: `team/username`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "`team/username`.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"team": schema.StringAttribute{
				Required: true, MarkdownDescription: "The team's name. Changing it replaces the membership.",
				Validators:    []validator.String{validName()},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"username": schema.StringAttribute{
				Required: true, MarkdownDescription: "The member's username. Changing it replaces the membership.",
				Validators:    []validator.String{validName()},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"role": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The member's role: " + oneOf(roles) + ". Updated in place.",
				Validators:          []validator.String{stringvalidator.OneOf(roles...)},
			},
		},
	}
}

func (r *teamMemberResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configured(req.ProviderData, &resp.Diagnostics)
}

func (r *teamMemberResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan teamMemberModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !needData(r.data, &resp.Diagnostics) {
		return
	}
	team, user := plan.Team.ValueString(), plan.Username.ValueString()
	m, err := r.data.client.AddMember(ctx, team, apiv1.AddMember{Username: user, Role: plan.Role.ValueString()})
	if client.IsConflict(err) {
		resp.Diagnostics.Append(alreadyExists("dockmaster_team_member", fmt.Sprintf("%q as a member of team %q", user, team), team+"/"+user, err))
		return
	}
	if err != nil {
		resp.Diagnostics.Append(apiError(fmt.Sprintf("add %q to team %q", user, team), err))
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, memberFromAPI(m))...)
}

func (r *teamMemberResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state teamMemberModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !needData(r.data, &resp.Diagnostics) {
		return
	}
	team, user := state.Team.ValueString(), state.Username.ValueString()
	m, err := r.data.client.GetMember(ctx, team, user)
	if gone(err) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.Append(apiError(fmt.Sprintf("read membership of %q in team %q", user, team), err))
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, memberFromAPI(m))...)
}

func (r *teamMemberResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan teamMemberModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !needData(r.data, &resp.Diagnostics) {
		return
	}
	team, user := plan.Team.ValueString(), plan.Username.ValueString()
	m, err := r.data.client.UpdateMember(ctx, team, user, apiv1.UpdateMember{Role: plan.Role.ValueString()})
	if err != nil {
		resp.Diagnostics.Append(apiError(fmt.Sprintf("change the role of %q in team %q", user, team), err))
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, memberFromAPI(m))...)
}

func (r *teamMemberResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state teamMemberModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !needData(r.data, &resp.Diagnostics) {
		return
	}
	team, user := state.Team.ValueString(), state.Username.ValueString()
	if err := r.data.client.RemoveMember(ctx, team, user); err != nil && !gone(err) {
		resp.Diagnostics.Append(apiError(fmt.Sprintf("remove %q from team %q", user, team), err))
	}
}

func (r *teamMemberResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	parts, ok := splitID(req.ID, 2)
	if !ok {
		resp.Diagnostics.Append(badImportID("dockmaster_team_member", "`team/username`", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("team"), parts[0])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("username"), parts[1])...)
}

func memberFromAPI(m apiv1.Member) teamMemberModel {
	return teamMemberModel{
		ID:   types.StringValue(m.Team + "/" + m.Username),
		Team: types.StringValue(m.Team), Username: types.StringValue(m.Username), Role: types.StringValue(m.Role),
	}
}
