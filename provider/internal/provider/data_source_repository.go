package provider

import (
	"context"
	"fmt"
	"strings"
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
		MarkdownDescription: "Looks up a repository the caller may pull, with its tags and its manifests: what each is (image, index, Helm chart, artifact, …) and its accessories (signatures, SBOMs, attestations).",
		Attributes: map[string]schema.Attribute{
			"name":        schema.StringAttribute{Required: true, MarkdownDescription: "The repository's full name, e.g. `payments/api`."},
			"namespace":   schema.StringAttribute{Computed: true, MarkdownDescription: "Its namespace (empty for the global namespace)."},
			"description": schema.StringAttribute{Computed: true, MarkdownDescription: "Its description."},
			"tag_count":   schema.Int64Attribute{Computed: true, MarkdownDescription: "Number of tags."},
			"pull_count":  schema.Int64Attribute{Computed: true, MarkdownDescription: "Number of pulls recorded."},
			"tags": schema.ListNestedAttribute{
				Computed: true, MarkdownDescription: "The tags, sorted by name.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name":          schema.StringAttribute{Computed: true, MarkdownDescription: "The tag."},
					"digest":        schema.StringAttribute{Computed: true, MarkdownDescription: "The manifest digest (`sha256:…`)."},
					"media_type":    schema.StringAttribute{Computed: true, MarkdownDescription: "The manifest's media type (Docker or OCI manifest or index)."},
					"size":          schema.Int64Attribute{Computed: true, MarkdownDescription: "Size in bytes."},
					"pushed_by":     schema.StringAttribute{Computed: true, MarkdownDescription: "Who pushed it."},
					"pushed_at":     schema.StringAttribute{Computed: true, MarkdownDescription: "When it was pushed (RFC 3339, UTC)."},
					"kind":          schema.StringAttribute{Computed: true, MarkdownDescription: "What the manifest is: " + kindList + "."},
					"artifact_type": schema.StringAttribute{Computed: true, MarkdownDescription: "The manifest's `artifactType`, else its config's media type (e.g. `application/vnd.cncf.helm.config.v1+json`)."},
				}},
			},
			"manifests": schema.ListNestedAttribute{
				Computed: true, MarkdownDescription: "Every manifest, tagged or not, sorted by digest; accessories are listed under the manifest they refer to, not here.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"digest":        schema.StringAttribute{Computed: true, MarkdownDescription: "The manifest digest."},
					"kind":          schema.StringAttribute{Computed: true, MarkdownDescription: "What it is: " + kindList + "."},
					"artifact_type": schema.StringAttribute{Computed: true, MarkdownDescription: "Its `artifactType`, else its config's media type."},
					"media_type":    schema.StringAttribute{Computed: true, MarkdownDescription: "The manifest's media type."},
					"size":          schema.Int64Attribute{Computed: true, MarkdownDescription: "Size of the manifest in bytes."},
					"tags":          schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Tags pointing at it (empty: untagged)."},
					"platforms":     schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Platforms of an index (`linux/amd64`, …)."},
					"chart_name":    schema.StringAttribute{Computed: true, MarkdownDescription: "A Helm chart's name (empty otherwise)."},
					"chart_version": schema.StringAttribute{Computed: true, MarkdownDescription: "A Helm chart's version."},
					"app_version":   schema.StringAttribute{Computed: true, MarkdownDescription: "A Helm chart's appVersion."},
					"accessories": schema.ListNestedAttribute{
						Computed: true, MarkdownDescription: "Signatures, SBOMs, attestations and other artifacts that refer to it.",
						NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
							"digest":        schema.StringAttribute{Computed: true, MarkdownDescription: "The accessory's digest."},
							"kind":          schema.StringAttribute{Computed: true, MarkdownDescription: "What it is: " + kindList + "."},
							"artifact_type": schema.StringAttribute{Computed: true, MarkdownDescription: "Its artifact type (e.g. `application/spdx+json`)."},
						}},
					},
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
			Kind: types.StringValue(t.Kind), ArtifactType: types.StringValue(t.ArtifactType),
		})
	}
	manifests, err := client.Collect(ctx, client.ListOptions{PageSize: 200}, func(ctx context.Context, o client.ListOptions) (apiv1.Page[apiv1.Manifest], error) {
		return d.data.client.ListManifests(ctx, name, client.ManifestQuery{}, o)
	})
	if err != nil {
		resp.Diagnostics.Append(apiError(fmt.Sprintf("list the manifests of %q", name), err))
		return
	}
	sortBy(manifests, func(x apiv1.Manifest) string { return x.Digest })
	m.Manifests = []manifestDataModel{}
	for _, x := range manifests {
		// One read per manifest for its accessories.
		full, err := d.data.client.GetManifest(ctx, name, x.Digest)
		if err != nil {
			resp.Diagnostics.Append(apiError(fmt.Sprintf("read manifest %s@%s", name, x.Digest), err))
			return
		}
		mm := manifestDataModel{
			Digest: types.StringValue(x.Digest), Kind: types.StringValue(x.Kind), ArtifactType: types.StringValue(x.ArtifactType),
			MediaType: types.StringValue(x.MediaType), Size: types.Int64Value(x.Size),
			Tags: stringValues(x.Tags), Platforms: stringValues(x.Platforms),
			ChartName: types.StringValue(""), ChartVersion: types.StringValue(""), AppVersion: types.StringValue(""),
			Accessories: []accessoryDataModel{},
		}
		if x.Chart != nil {
			mm.ChartName, mm.ChartVersion, mm.AppVersion = types.StringValue(x.Chart.Name), types.StringValue(x.Chart.Version), types.StringValue(x.Chart.AppVersion)
		}
		for _, a := range full.Accessories {
			mm.Accessories = append(mm.Accessories, accessoryDataModel{Digest: types.StringValue(a.Digest), Kind: types.StringValue(a.Kind),
				ArtifactType: types.StringValue(a.ArtifactType)})
		}
		m.Manifests = append(m.Manifests, mm)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

// kindList documents the kinds (apiv1.Kinds), in backticks.
var kindList = "`" + strings.Join(apiv1.Kinds, "`, `") + "`"

func stringValues(in []string) []types.String {
	out := make([]types.String, 0, len(in))
	for _, v := range in {
		out = append(out, types.StringValue(v))
	}
	return out
}
