package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockmaster/dockmaster/internal/apiv1"
)

type namespaceDataSource struct{ data *providerData }

var _ datasource.DataSourceWithConfigure = (*namespaceDataSource)(nil)

// NewNamespaceDataSource is the constructor of the dockmaster_namespace data source.
func NewNamespaceDataSource() datasource.DataSource { return &namespaceDataSource{} }

func (d *namespaceDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_namespace"
}

// namespaceDataAttributes are the attributes of one namespace, shared by
// dockmaster_namespace and dockmaster_namespaces.
func namespaceDataAttributes(nameRequired bool) map[string]schema.Attribute {
	name := schema.StringAttribute{Computed: true, MarkdownDescription: "The namespace's name."}
	if nameRequired {
		name = schema.StringAttribute{Required: true, MarkdownDescription: "The namespace's name.", Validators: []validator.String{validName()}}
	}
	return map[string]schema.Attribute{
		"name":        name,
		"kind":        schema.StringAttribute{Computed: true, MarkdownDescription: "`team` or `personal`."},
		"team":        schema.StringAttribute{Computed: true, MarkdownDescription: "The owning team (team namespaces; empty otherwise)."},
		"owner":       schema.StringAttribute{Computed: true, MarkdownDescription: "The owning user (personal namespaces; empty otherwise)."},
		"visibility":  schema.StringAttribute{Computed: true, MarkdownDescription: "One of " + oneOf(visibilities) + "."},
		"description": schema.StringAttribute{Computed: true, MarkdownDescription: "The description."},
	}
}

func (d *namespaceDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up a namespace the caller may see.",
		Attributes:          namespaceDataAttributes(true),
	}
}

func (d *namespaceDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configured(req.ProviderData, &resp.Diagnostics)
}

func (d *namespaceDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m namespaceDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || !needData(d.data, &resp.Diagnostics) {
		return
	}
	ns, err := d.data.client.GetNamespace(ctx, m.Name.ValueString())
	if err != nil {
		resp.Diagnostics.Append(apiError(fmt.Sprintf("read namespace %q", m.Name.ValueString()), err))
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, namespaceData(ns))...)
}

func namespaceData(ns apiv1.Namespace) namespaceDataModel {
	return namespaceDataModel{
		Name: types.StringValue(ns.Name), Kind: types.StringValue(ns.Kind), Team: types.StringValue(ns.Team),
		Owner: types.StringValue(ns.Owner), Visibility: types.StringValue(ns.Visibility), Description: types.StringValue(ns.Description),
	}
}
