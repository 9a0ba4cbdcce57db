package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockmaster/dockmaster/internal/apiv1"
)

type meDataSource struct{ data *providerData }

var _ datasource.DataSourceWithConfigure = (*meDataSource)(nil)

// NewMeDataSource is the constructor of the dockmaster_me data source.
func NewMeDataSource() datasource.DataSource { return &meDataSource{} }

func (d *meDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_me"
}

func (d *meDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Who the provider's credentials belong to, and what they may do.",
		Attributes: map[string]schema.Attribute{
			"kind":             schema.StringAttribute{Computed: true, MarkdownDescription: "`user` or `robot`."},
			"name":             schema.StringAttribute{Computed: true, MarkdownDescription: "The username or the robot's full name."},
			"admin":            schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the identity is a site admin."},
			"can_create_teams": schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether it may create teams."},
			"teams": schema.ListNestedAttribute{
				Computed: true, MarkdownDescription: "Its team memberships, sorted by team.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"team": schema.StringAttribute{Computed: true, MarkdownDescription: "The team."},
					"role": schema.StringAttribute{Computed: true, MarkdownDescription: "The role in it: " + oneOf(roles) + "."},
				}},
			},
			"namespaces": schema.ListNestedAttribute{
				Computed: true, MarkdownDescription: "The namespaces it has a role on, sorted by name.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"namespace": schema.StringAttribute{Computed: true, MarkdownDescription: "The namespace."},
					"role":      schema.StringAttribute{Computed: true, MarkdownDescription: "The effective role."},
					"actions":   schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "The registry actions it allows (`pull`, `push`, `delete`)."},
				}},
			},
		},
	}
}

func (d *meDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configured(req.ProviderData, &resp.Diagnostics)
}

func (d *meDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	if !needData(d.data, &resp.Diagnostics) {
		return
	}
	me, err := d.data.client.Me(ctx)
	if err != nil {
		resp.Diagnostics.Append(apiError("read who the provider is", err))
		return
	}
	sortBy(me.Teams, func(m apiv1.Member) string { return m.Team })
	sortBy(me.Namespaces, func(n apiv1.NSAccess) string { return n.Namespace })
	m := meDataModel{
		Kind: types.StringValue(me.Kind), Name: types.StringValue(me.Name), Admin: types.BoolValue(me.Admin),
		CanCreateTeams: types.BoolValue(me.CanCreateTeams), Teams: []meTeamModel{}, Namespaces: []meNamespaceModel{},
	}
	for _, t := range me.Teams {
		m.Teams = append(m.Teams, meTeamModel{Team: types.StringValue(t.Team), Role: types.StringValue(t.Role)})
	}
	for _, n := range me.Namespaces {
		actions := make([]types.String, 0, len(n.Actions))
		for _, a := range n.Actions {
			actions = append(actions, types.StringValue(a))
		}
		m.Namespaces = append(m.Namespaces, meNamespaceModel{Namespace: types.StringValue(n.Namespace), Role: types.StringValue(n.Role), Actions: actions})
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}
