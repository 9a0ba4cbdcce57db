package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"

	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/client"
)

type namespacesDataSource struct{ data *providerData }

var _ datasource.DataSourceWithConfigure = (*namespacesDataSource)(nil)

// NewNamespacesDataSource is the constructor of the dockmaster_namespaces data source.
func NewNamespacesDataSource() datasource.DataSource { return &namespacesDataSource{} }

func (d *namespacesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_namespaces"
}

func (d *namespacesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the namespaces the caller may see, sorted by name, optionally filtered by a substring of the name.",
		Attributes: map[string]schema.Attribute{
			"query": schema.StringAttribute{Optional: true, MarkdownDescription: "A case-insensitive substring of the names to keep."},
			"namespaces": schema.ListNestedAttribute{
				Computed: true, MarkdownDescription: "The namespaces, sorted by name.",
				NestedObject: schema.NestedAttributeObject{Attributes: namespaceDataAttributes(false)},
			},
		},
	}
}

func (d *namespacesDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configured(req.ProviderData, &resp.Diagnostics)
}

func (d *namespacesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m namespacesDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || !needData(d.data, &resp.Diagnostics) {
		return
	}
	all, err := client.Collect(ctx, client.ListOptions{PageSize: 200, Query: m.Query.ValueString()}, d.data.client.ListNamespaces)
	if err != nil {
		resp.Diagnostics.Append(apiError("list namespaces", err))
		return
	}
	sortBy(all, func(ns apiv1.Namespace) string { return ns.Name })
	m.Namespaces = make([]namespaceDataModel, 0, len(all))
	for _, ns := range all {
		m.Namespaces = append(m.Namespaces, namespaceData(ns))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}
