package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/client"
)

type repositoriesDataSource struct{ data *providerData }

var _ datasource.DataSourceWithConfigure = (*repositoriesDataSource)(nil)

// NewRepositoriesDataSource is the constructor of the dockmaster_repositories data source.
func NewRepositoriesDataSource() datasource.DataSource { return &repositoriesDataSource{} }

func (d *repositoriesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_repositories"
}

func (d *repositoriesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the repositories the caller may pull, sorted by name, optionally in one namespace.",
		Attributes: map[string]schema.Attribute{
			"namespace": schema.StringAttribute{Optional: true, MarkdownDescription: "Only this namespace's repositories."},
			"repositories": schema.ListNestedAttribute{
				Computed: true, MarkdownDescription: "The repositories, sorted by name.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name":        schema.StringAttribute{Computed: true, MarkdownDescription: "Full name."},
					"namespace":   schema.StringAttribute{Computed: true, MarkdownDescription: "Namespace."},
					"description": schema.StringAttribute{Computed: true, MarkdownDescription: "Description."},
					"tag_count":   schema.Int64Attribute{Computed: true, MarkdownDescription: "Number of tags."},
					"pull_count":  schema.Int64Attribute{Computed: true, MarkdownDescription: "Number of pulls recorded."},
				}},
			},
		},
	}
}

func (d *repositoriesDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configured(req.ProviderData, &resp.Diagnostics)
}

func (d *repositoriesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m repositoriesDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || !needData(d.data, &resp.Diagnostics) {
		return
	}
	ns := m.Namespace.ValueString()
	all, err := client.Collect(ctx, client.ListOptions{PageSize: 200}, func(ctx context.Context, o client.ListOptions) (apiv1.Page[apiv1.Repository], error) {
		return d.data.client.ListRepositories(ctx, ns, o)
	})
	if err != nil {
		resp.Diagnostics.Append(apiError("list repositories", err))
		return
	}
	sortBy(all, func(r apiv1.Repository) string { return r.Name })
	m.Repositories = make([]repositorySummaryModel, 0, len(all))
	for _, r := range all {
		m.Repositories = append(m.Repositories, repositorySummaryModel{
			Name: types.StringValue(r.Name), Namespace: types.StringValue(r.Namespace), Description: types.StringValue(r.Description),
			TagCount: types.Int64Value(int64(r.TagCount)), PullCount: types.Int64Value(r.PullCount),
		})
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}
