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

type namespaceResource struct{ data *providerData }

var (
	_ resource.ResourceWithConfigure   = (*namespaceResource)(nil)
	_ resource.ResourceWithImportState = (*namespaceResource)(nil)
)

// NewNamespaceResource is the constructor of dockmaster_namespace.
func NewNamespaceResource() resource.Resource { return &namespaceResource{} }

func (r *namespaceResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_namespace"
}

func (r *namespaceResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A team namespace: the first path segment of repository names (`team/app` is in namespace `team`), owned by a team. " +
			"Visibility, description and the owning team are updated in place (moving to another team needs an admin). " +
			"The server deletes only empty namespaces.\n\nImport ID: the namespace's name.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "The namespace's name.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				Required: true, MarkdownDescription: "The namespace's name: " + nameRule + ". Changing it replaces the namespace.",
				Validators:    []validator.String{validName()},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"team": schema.StringAttribute{
				Required: true, MarkdownDescription: "The owning team's name. Changing it moves the namespace in place (admins only).",
				Validators: []validator.String{validName()},
			},
			"visibility": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString("private"),
				MarkdownDescription: "Who may pull: " + oneOf(visibilities) + " (`public`: anyone, even anonymous; `protected`: any signed-in user; `private`: members and grantees). Default `private`.",
				Validators:          []validator.String{stringvalidator.OneOf(visibilities...)},
			},
			"description": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString(""),
				MarkdownDescription: fmt.Sprintf("Free text, at most %d bytes. Default empty.", maxDescription),
				Validators:          []validator.String{stringvalidator.LengthAtMost(maxDescription)},
			},
		},
	}
}

func (r *namespaceResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configured(req.ProviderData, &resp.Diagnostics)
}

func (r *namespaceResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan namespaceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !needData(r.data, &resp.Diagnostics) {
		return
	}
	name := plan.Name.ValueString()
	ns, err := r.data.client.CreateNamespace(ctx, apiv1.CreateNamespace{
		Name: name, Team: plan.Team.ValueString(),
		Visibility: plan.Visibility.ValueString(), Description: plan.Description.ValueString(),
	})
	if client.IsConflict(err) {
		resp.Diagnostics.Append(alreadyExists("dockmaster_namespace", fmt.Sprintf("Namespace %q", name), name, err))
		return
	}
	if err != nil {
		resp.Diagnostics.Append(apiError(fmt.Sprintf("create namespace %q", name), err))
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, namespaceFromAPI(ns))...)
}

func (r *namespaceResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state namespaceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !needData(r.data, &resp.Diagnostics) {
		return
	}
	ns, err := r.data.client.GetNamespace(ctx, state.Name.ValueString())
	if gone(err) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.Append(apiError(fmt.Sprintf("read namespace %q", state.Name.ValueString()), err))
		return
	}
	if ns.Kind != "" && ns.Kind != "team" {
		resp.Diagnostics.AddError("Not a team namespace",
			fmt.Sprintf("Namespace %q is a %s namespace (owner %q); dockmaster_namespace manages team namespaces only.", ns.Name, ns.Kind, ns.Owner))
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, namespaceFromAPI(ns))...)
}

func (r *namespaceResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state namespaceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !needData(r.data, &resp.Diagnostics) {
		return
	}
	var in apiv1.UpdateNamespace
	if !plan.Team.Equal(state.Team) {
		in.Team = stringPtr(plan.Team.ValueString())
	}
	if !plan.Visibility.Equal(state.Visibility) {
		in.Visibility = stringPtr(plan.Visibility.ValueString())
	}
	if !plan.Description.Equal(state.Description) {
		in.Description = stringPtr(plan.Description.ValueString())
	}
	ns, err := r.data.client.UpdateNamespace(ctx, plan.Name.ValueString(), in)
	if err != nil {
		resp.Diagnostics.Append(apiError(fmt.Sprintf("update namespace %q", plan.Name.ValueString()), err))
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, namespaceFromAPI(ns))...)
}

func (r *namespaceResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state namespaceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !needData(r.data, &resp.Diagnostics) {
		return
	}
	if err := r.data.client.DeleteNamespace(ctx, state.Name.ValueString()); err != nil && !gone(err) {
		resp.Diagnostics.Append(apiError(fmt.Sprintf("delete namespace %q (the server deletes only empty namespaces)", state.Name.ValueString()), err))
	}
}

func (r *namespaceResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if msg := checkName(req.ID); msg != "" {
		resp.Diagnostics.Append(badImportID("dockmaster_namespace", "the namespace's name", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), req.ID)...)
}

func namespaceFromAPI(ns apiv1.Namespace) namespaceModel {
	return namespaceModel{
		ID: types.StringValue(ns.Name), Name: types.StringValue(ns.Name), Team: types.StringValue(ns.Team),
		Visibility: types.StringValue(ns.Visibility), Description: types.StringValue(ns.Description),
	}
}
