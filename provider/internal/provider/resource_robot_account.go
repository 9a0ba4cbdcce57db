package provider

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/client"
)

type robotAccountResource struct {
	data *providerData
	now  func() time.Time
}

var (
	_ resource.ResourceWithConfigure   = (*robotAccountResource)(nil)
	_ resource.ResourceWithImportState = (*robotAccountResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*robotAccountResource)(nil)
)

// NewRobotAccountResource is the constructor of dockmaster_robot_account.
func NewRobotAccountResource() resource.Resource { return &robotAccountResource{now: time.Now} }

func (r *robotAccountResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_robot_account"
}

func (r *robotAccountResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A robot account: a machine identity (`robot$<name>`) for CI, with an explicit set of (namespace, role). " +
			"Its `secret` is created with it and kept in the state (sensitive); change `rotation` to rotate it in place. " +
			"Description, expiry, enabled and the access set are updated in place.\n\n" +
			"Import ID: the robot's name, with or without `robot$`. An imported robot's `secret` is unknown to Terraform (null) until the next rotation.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "The robot's full name, `robot$<name>`.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				Required: true, MarkdownDescription: "The robot's name, with or without the `robot$` prefix: " + nameRule + ". Changing it replaces the robot.",
				Validators:    []validator.String{validRobotName()},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"full_name": schema.StringAttribute{
				Computed: true, MarkdownDescription: "`robot$<name>`: the username for `docker login` and the token service.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"team": schema.StringAttribute{
				Optional: true, MarkdownDescription: "The team the robot belongs to (a team owner's robots act only on their team's namespaces). " +
					"Unset: a system robot (admins only). Changing it replaces the robot.",
				Validators:    []validator.String{validName()},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"description": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString(""),
				MarkdownDescription: fmt.Sprintf("Free text, at most %d bytes. Default empty.", maxDescription),
				Validators:          []validator.String{stringvalidator.LengthAtMost(maxDescription)},
			},
			"enabled": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Whether the robot may authenticate. Default `true`.",
			},
			"expires_at": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "When the robot stops working, " + futureTimeRule +
					" (checked when it is set or changed). Unset: never.",
				Validators: []validator.String{rfc3339Validator{}},
			},
			"access": schema.SetNestedAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "The namespaces the robot may act on, each with a role. A set: order never matters. Updated in place. " +
					"A robot's access entries are its grants: a `dockmaster_permission` with `robot` adds one. Manage a robot's grants " +
					"either here or with `dockmaster_permission`, not both; left unset, the provider does not manage them and this attribute shows what the server has.",
				PlanModifiers: []planmodifier.Set{setplanmodifier.UseStateForUnknown()},
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"namespace": schema.StringAttribute{
							Required: true, MarkdownDescription: "A namespace's name.",
							Validators: []validator.String{validName()},
						},
						"role": schema.StringAttribute{
							Required: true, MarkdownDescription: "The role on it: " + oneOf(roles) + ".",
							Validators: []validator.String{stringvalidator.OneOf(roles...)},
						},
					},
				},
			},
			"rotation": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Any string; changing it rotates the secret in place (e.g. a date, or `time_rotating.x.id`). " +
					"The old secret stops working at once.",
			},
			"secret": schema.StringAttribute{
				Computed: true, Sensitive: true,
				MarkdownDescription: "The robot's secret (the password for `docker login` with `full_name`). Set at creation and at each rotation; sensitive.",
				PlanModifiers:       []planmodifier.String{secretUnlessRotated{}},
			},
		},
	}
}

func (r *robotAccountResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configured(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan checks that a new or changed expiry lies in the future (an
// unchanged one may have passed: that is the robot expiring, not a typo).
func (r *robotAccountResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
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

func (r *robotAccountResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan robotAccountModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !needData(r.data, &resp.Diagnostics) {
		return
	}
	access, diags := accessFromSet(ctx, plan.Access)
	resp.Diagnostics.Append(diags...)
	exp, err := parseTime(plan.ExpiresAt)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("expires_at"), "Invalid time", err.Error())
	}
	if resp.Diagnostics.HasError() {
		return
	}
	name := plan.Name.ValueString()
	rb, err := r.data.client.CreateRobot(ctx, apiv1.CreateRobot{
		Name: name, Description: plan.Description.ValueString(), Team: plan.Team.ValueString(),
		Enabled: boolPtr(plan.Enabled.ValueBool()), ExpiresAt: exp, Access: access,
	})
	if client.IsConflict(err) {
		resp.Diagnostics.Append(alreadyExists("dockmaster_robot_account", fmt.Sprintf("Robot account %q", name), strings.TrimPrefix(name, robotPrefix), err))
		return
	}
	if err != nil {
		resp.Diagnostics.Append(apiError(fmt.Sprintf("create robot account %q", name), err))
		return
	}
	state, diags := robotFromAPI(ctx, rb, plan)
	resp.Diagnostics.Append(diags...)
	state.Secret = types.StringValue(rb.Secret)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

func (r *robotAccountResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state robotAccountModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !needData(r.data, &resp.Diagnostics) {
		return
	}
	rb, err := r.data.client.GetRobot(ctx, state.Name.ValueString())
	if gone(err) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.Append(apiError(fmt.Sprintf("read robot account %q", state.Name.ValueString()), err))
		return
	}
	next, diags := robotFromAPI(ctx, rb, state)
	resp.Diagnostics.Append(diags...)
	resp.Diagnostics.Append(resp.State.Set(ctx, next)...)
}

func (r *robotAccountResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state robotAccountModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !needData(r.data, &resp.Diagnostics) {
		return
	}
	name := plan.Name.ValueString()
	var in apiv1.UpdateRobot
	if !plan.Description.Equal(state.Description) {
		in.Description = stringPtr(plan.Description.ValueString())
	}
	if !plan.Enabled.Equal(state.Enabled) {
		in.Enabled = boolPtr(plan.Enabled.ValueBool())
	}
	if !plan.ExpiresAt.Equal(state.ExpiresAt) {
		exp, err := parseTime(plan.ExpiresAt)
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("expires_at"), "Invalid time", err.Error())
			return
		}
		in.ExpiresAt, in.ClearExpiry = exp, exp == nil
	}
	if !plan.Access.IsUnknown() && !plan.Access.Equal(state.Access) {
		access, diags := accessFromSet(ctx, plan.Access)
		resp.Diagnostics.Append(diags...)
		if diags.HasError() {
			return
		}
		in.Access = &access
	}
	rb, err := r.data.client.UpdateRobot(ctx, name, in)
	if err != nil {
		resp.Diagnostics.Append(apiError(fmt.Sprintf("update robot account %q", name), err))
		return
	}
	next, diags := robotFromAPI(ctx, rb, plan)
	resp.Diagnostics.Append(diags...)
	next.Secret = state.Secret
	if !plan.Rotation.Equal(state.Rotation) {
		rotated, err := r.data.client.RotateRobotSecret(ctx, name)
		if err != nil {
			// The other changes are made: keep them, with the old secret and
			// the old trigger, so the next plan rotates again.
			next.Rotation = state.Rotation
			resp.Diagnostics.Append(resp.State.Set(ctx, next)...)
			resp.Diagnostics.Append(apiError(fmt.Sprintf("rotate the secret of robot account %q", name), err))
			return
		}
		next.Secret = types.StringValue(rotated.Secret)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, next)...)
}

func (r *robotAccountResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state robotAccountModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !needData(r.data, &resp.Diagnostics) {
		return
	}
	if err := r.data.client.DeleteRobot(ctx, state.Name.ValueString()); err != nil && !gone(err) {
		resp.Diagnostics.Append(apiError(fmt.Sprintf("delete robot account %q", state.Name.ValueString()), err))
	}
}

func (r *robotAccountResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	bare := strings.TrimPrefix(req.ID, robotPrefix)
	if msg := checkName(bare); msg != "" {
		resp.Diagnostics.Append(badImportID("dockmaster_robot_account", "the robot's name (with or without `robot$`)", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), bare)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("secret"), types.StringNull())...)
}

// accessFromSet turns the access set into the API's list, sorted so the
// request is the same for the same set; unset is the empty list.
func accessFromSet(ctx context.Context, set types.Set) ([]apiv1.RobotAccess, diag.Diagnostics) {
	if set.IsNull() || set.IsUnknown() {
		return []apiv1.RobotAccess{}, nil
	}
	var items []robotAccessModel
	diags := set.ElementsAs(ctx, &items, false)
	out := make([]apiv1.RobotAccess, 0, len(items))
	for _, it := range items {
		out = append(out, apiv1.RobotAccess{Namespace: it.Namespace.ValueString(), Role: it.Role.ValueString()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Namespace < out[j].Namespace })
	return out, diags
}

// robotFromAPI builds the state of a robot; name, expiry and the triggers
// keep the configuration's form when they mean what the server says.
func robotFromAPI(ctx context.Context, rb apiv1.Robot, prior robotAccountModel) (robotAccountModel, diag.Diagnostics) {
	bare := strings.TrimPrefix(rb.Name, robotPrefix)
	m := robotAccountModel{
		ID: types.StringValue(robotPrefix + bare), Name: types.StringValue(bare), FullName: types.StringValue(robotPrefix + bare),
		Team: types.StringNull(), Description: types.StringValue(rb.Description), Enabled: types.BoolValue(rb.Enabled),
		ExpiresAt: timeValue(rb.ExpiresAt, prior.ExpiresAt), Rotation: prior.Rotation, Secret: prior.Secret,
	}
	if !prior.Name.IsNull() && strings.TrimPrefix(prior.Name.ValueString(), robotPrefix) == bare {
		m.Name = prior.Name
	}
	if rb.Team != "" {
		m.Team = types.StringValue(rb.Team)
	}
	objType := types.ObjectType{AttrTypes: robotAccessAttrTypes}
	elems := make([]attr.Value, 0, len(rb.Access))
	var diags diag.Diagnostics
	for _, a := range rb.Access {
		o, d := types.ObjectValue(robotAccessAttrTypes, map[string]attr.Value{
			"namespace": types.StringValue(a.Namespace), "role": types.StringValue(a.Role),
		})
		diags.Append(d...)
		elems = append(elems, o)
	}
	set, d := types.SetValue(objType, elems)
	diags.Append(d...)
	m.Access = set
	return m, diags
}

// secretUnlessRotated keeps the known secret in the plan unless the rotation
// trigger changes, when the new secret is known only after apply.
type secretUnlessRotated struct{}

var _ planmodifier.String = secretUnlessRotated{}

func (secretUnlessRotated) Description(context.Context) string {
	return "The secret stays as it is unless rotation changes."
}

func (m secretUnlessRotated) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (secretUnlessRotated) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return // create: unknown; destroy: nothing to plan
	}
	var planRot, stateRot types.String
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("rotation"), &planRot)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("rotation"), &stateRot)...)
	if planRot.Equal(stateRot) {
		resp.PlanValue = req.StateValue
	}
}

// rfc3339Validator checks the format of a time attribute.
type rfc3339Validator struct{}

var _ validator.String = rfc3339Validator{}

func (rfc3339Validator) Description(context.Context) string {
	return "an RFC 3339 time, e.g. `2030-01-02T15:04:05Z`"
}

func (v rfc3339Validator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (rfc3339Validator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := time.Parse(time.RFC3339, req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid time",
			fmt.Sprintf("%q is not an RFC 3339 time (e.g. 2030-01-02T15:04:05Z): %v", req.ConfigValue.ValueString(), err))
	}
}
