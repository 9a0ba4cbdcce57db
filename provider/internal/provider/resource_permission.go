package provider

import (
	"context"
	"fmt"
	"strings"

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

type permissionResource struct{ data *providerData }

var (
	_ resource.ResourceWithConfigure   = (*permissionResource)(nil)
	_ resource.ResourceWithImportState = (*permissionResource)(nil)
)

// NewPermissionResource is the constructor of dockmaster_permission.
func NewPermissionResource() resource.Resource { return &permissionResource{} }

func (r *permissionResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_permission"
}

func (r *permissionResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	grantees := path.Expressions{path.MatchRoot("user"), path.MatchRoot("team"), path.MatchRoot("robot")}
	grantee := func(what string, v validator.String) schema.StringAttribute {
		return schema.StringAttribute{
			Optional:            true,
			MarkdownDescription: "The " + what + " granted the role. Exactly one of `user`, `team` and `robot` is set; changing the grantee replaces the grant.",
			Validators:          []validator.String{v, stringvalidator.ExactlyOneOf(grantees...)},
			PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
		}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A grant of a role on a namespace to a user, a team or a robot account, on top of the owning team's roles. " +
			"The effective role is the highest that applies. Changing the role updates the grant in place.\n\n" +
			"Import ID: `namespace/kind/name`, kind one of " + oneOf(permissionKinds) + " (e.g. `payments/team/devs`, `payments/robot/ci`).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "`namespace/kind/name`.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"namespace": schema.StringAttribute{
				Required: true, MarkdownDescription: "The namespace's name. Changing it replaces the grant.",
				Validators:    []validator.String{validName()},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"role": schema.StringAttribute{
				Required: true, MarkdownDescription: "The role granted: " + oneOf(roles) + ". Updated in place.",
				Validators: []validator.String{stringvalidator.OneOf(roles...)},
			},
			"user":  grantee("user (username)", validName()),
			"team":  grantee("team (name)", validName()),
			"robot": grantee("robot account (name, `robot$` prefix optional)", validRobotName()),
		},
	}
}

func (r *permissionResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configured(req.ProviderData, &resp.Diagnostics)
}

func (r *permissionResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan permissionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !needData(r.data, &resp.Diagnostics) {
		return
	}
	ns := plan.Namespace.ValueString()
	kind, name := plan.grantee()
	p, err := r.data.client.CreatePermission(ctx, ns, apiv1.CreatePermission{Kind: kind, Name: name, Role: plan.Role.ValueString()})
	if client.IsConflict(err) {
		resp.Diagnostics.Append(alreadyExists("dockmaster_permission", fmt.Sprintf("A grant to %s %q on namespace %q", kind, name, ns), ns+"/"+kind+"/"+bareRobot(kind, name), err))
		return
	}
	if err != nil {
		resp.Diagnostics.Append(apiError(fmt.Sprintf("grant %s to %s %q on namespace %q", plan.Role.ValueString(), kind, name, ns), err))
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, permissionFromAPI(p, plan))...)
}

func (r *permissionResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state permissionModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !needData(r.data, &resp.Diagnostics) {
		return
	}
	ns := state.Namespace.ValueString()
	kind, name := state.grantee()
	p, err := r.data.client.GetPermission(ctx, ns, kind, name)
	if gone(err) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.Append(apiError(fmt.Sprintf("read the grant to %s %q on namespace %q", kind, name, ns), err))
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, permissionFromAPI(p, state))...)
}

func (r *permissionResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan permissionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !needData(r.data, &resp.Diagnostics) {
		return
	}
	ns := plan.Namespace.ValueString()
	kind, name := plan.grantee()
	p, err := r.data.client.UpdatePermission(ctx, ns, kind, name, apiv1.UpdatePermission{Role: plan.Role.ValueString()})
	if err != nil {
		resp.Diagnostics.Append(apiError(fmt.Sprintf("change the grant to %s %q on namespace %q", kind, name, ns), err))
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, permissionFromAPI(p, plan))...)
}

func (r *permissionResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state permissionModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !needData(r.data, &resp.Diagnostics) {
		return
	}
	ns := state.Namespace.ValueString()
	kind, name := state.grantee()
	if err := r.data.client.DeletePermission(ctx, ns, kind, name); err != nil && !gone(err) {
		resp.Diagnostics.Append(apiError(fmt.Sprintf("revoke the grant to %s %q on namespace %q", kind, name, ns), err))
	}
}

func (r *permissionResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	parts, ok := splitID(req.ID, 3)
	if !ok || (parts[1] != "user" && parts[1] != "team" && parts[1] != "robot") {
		resp.Diagnostics.Append(badImportID("dockmaster_permission", "`namespace/kind/name` with kind one of "+oneOf(permissionKinds), req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("namespace"), parts[0])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(parts[1]), bareRobot(parts[1], parts[2]))...)
}

// grantee is the kind and name of the one grantee that is set.
func (m permissionModel) grantee() (kind, name string) {
	switch {
	case !m.User.IsNull():
		return "user", m.User.ValueString()
	case !m.Team.IsNull():
		return "team", m.Team.ValueString()
	default:
		return "robot", m.Robot.ValueString()
	}
}

// bareRobot drops the robot$ prefix of a robot grantee's name.
func bareRobot(kind, name string) string {
	if kind == "robot" {
		return strings.TrimPrefix(name, robotPrefix)
	}
	return name
}

// permissionFromAPI builds the state of a grant; a robot's name keeps the
// form the configuration uses (with or without robot$).
func permissionFromAPI(p apiv1.Permission, prior permissionModel) permissionModel {
	m := permissionModel{
		Namespace: types.StringValue(p.Namespace), Role: types.StringValue(p.Role),
		User: types.StringNull(), Team: types.StringNull(), Robot: types.StringNull(),
	}
	name := bareRobot(p.Kind, p.Name)
	switch p.Kind {
	case "user":
		m.User = types.StringValue(name)
	case "team":
		m.Team = types.StringValue(name)
	case "robot":
		m.Robot = types.StringValue(name)
		if !prior.Robot.IsNull() && bareRobot("robot", prior.Robot.ValueString()) == name {
			m.Robot = prior.Robot
		}
	}
	m.ID = types.StringValue(p.Namespace + "/" + p.Kind + "/" + name)
	return m
}
