package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/client"
)

type repositoryDataSource struct{ data *providerData }

var _ datasource.DataSourceWithConfigure = (*repositoryDataSource)(nil)

// NewRepositoryDataSource is the constructor of the dockmaster_repository data source.
func NewRepositoryDataSource() datasource.DataSource { return &repositoryDataSource{} }

func (d *repositoryDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_repository"
}

func (d *repositoryDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up a repository the caller may pull, with its tags.",
		Attributes: map[string]schema.Attribute{
			"name":        schema.StringAttribute{Required: true, MarkdownDescription: "The repository's full name, e.g. `payments/api`."},
			"namespace":   schema.StringAttribute{Computed: true, MarkdownDescription: "Its namespace (empty for the global namespace)."},
			"description": schema.StringAttribute{Computed: true, MarkdownDescription: "Its description."},
			"tag_count":   schema.Int64Attribute{Computed: true, MarkdownDescription: "Number of tags."},
			"pull_count":  schema.Int64Attribute{Computed: true, MarkdownDescription: "Number of pulls recorded."},
			"tags": schema.ListNestedAttribute{
				Computed: true, MarkdownDescription: "The tags, sorted by name.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name":       schema.StringAttribute{Computed: true, MarkdownDescription: "The tag."},
					"digest":     schema.StringAttribute{Computed: true, MarkdownDescription: "The manifest digest (`sha256:…`)."},
					"media_type": schema.StringAttribute{Computed: true, MarkdownDescription: "The manifest's media type (Docker or OCI manifest or index)."},
					"size":       schema.Int64Attribute{Computed: true, MarkdownDescription: "Size in bytes."},
					"pushed_by":  schema.StringAttribute{Computed: true, MarkdownDescription: "Who pushed it."},
					"pushed_at":  schema.StringAttribute{Computed: true, MarkdownDescription: "When it was pushed (RFC 3339, UTC)."},
				}},
			},
		},
	}
}

func (d *repositoryDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configured(req.ProviderData, &resp.Diagnostics)
}

func (d *repositoryDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m repositoryDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || !needData(d.data, &resp.Diagnostics) {
		return
	}
	name := m.Name.ValueString()
	repo, err := d.data.client.GetRepository(ctx, name)
	if err != nil {
		resp.Diagnostics.Append(apiError(fmt.Sprintf("read repository %q", name), err))
		return
	}
	tags, err := client.Collect(ctx, client.ListOptions{PageSize: 200}, func(ctx context.Context, o client.ListOptions) (apiv1.Page[apiv1.Tag], error) {
		return d.data.client.ListTags(ctx, name, o)
	})
	if err != nil {
		resp.Diagnostics.Append(apiError(fmt.Sprintf("list the tags of %q", name), err))
		return
	}
	sortBy(tags, func(t apiv1.Tag) string { return t.Name })
	m = repositoryDataModel{
		Name: types.StringValue(repo.Name), Namespace: types.StringValue(repo.Namespace), Description: types.StringValue(repo.Description),
		TagCount: types.Int64Value(int64(repo.TagCount)), PullCount: types.Int64Value(repo.PullCount), Tags: []tagDataModel{},
	}
	for _, t := range tags {
		m.Tags = append(m.Tags, tagDataModel{
			Name: types.StringValue(t.Name), Digest: types.StringValue(t.Digest), MediaType: types.StringValue(t.MediaType),
			Size: types.Int64Value(t.Size), PushedBy: types.StringValue(t.PushedBy), PushedAt: types.StringValue(t.PushedAt.UTC().Format(time.RFC3339)),
		})
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}
