package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/client"
)

type teamDataSource struct{ data *providerData }

var _ datasource.DataSourceWithConfigure = (*teamDataSource)(nil)

// NewTeamDataSource is the constructor of the dockmaster_team data source.
func NewTeamDataSource() datasource.DataSource { return &teamDataSource{} }

func (d *teamDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_team"
}

func (d *teamDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up a team and its members (members are listed for team members and admins).",
		Attributes: map[string]schema.Attribute{
			"name":        schema.StringAttribute{Required: true, MarkdownDescription: "The team's name.", Validators: []validator.String{validName()}},
			"description": schema.StringAttribute{Computed: true, MarkdownDescription: "The team's description."},
			"members": schema.ListNestedAttribute{
				Computed: true, MarkdownDescription: "The members, sorted by username.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"username": schema.StringAttribute{Computed: true, MarkdownDescription: "The member's username."},
					"role":     schema.StringAttribute{Computed: true, MarkdownDescription: "The member's role: " + oneOf(roles) + "."},
				}},
			},
		},
	}
}

func (d *teamDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configured(req.ProviderData, &resp.Diagnostics)
}

func (d *teamDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m teamDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || !needData(d.data, &resp.Diagnostics) {
		return
	}
	name := m.Name.ValueString()
	t, err := d.data.client.GetTeam(ctx, name)
	if err != nil {
		resp.Diagnostics.Append(apiError(fmt.Sprintf("read team %q", name), err))
		return
	}
	members, err := client.Collect(ctx, client.ListOptions{PageSize: 200}, func(ctx context.Context, o client.ListOptions) (apiv1.Page[apiv1.Member], error) {
		return d.data.client.ListMembers(ctx, name, o)
	})
	if err != nil {
		resp.Diagnostics.Append(apiError(fmt.Sprintf("list the members of team %q", name), err))
		return
	}
	m = teamDataModel{Name: types.StringValue(t.Name), Description: types.StringValue(t.Description), Members: []memberDataModel{}}
	sortBy(members, func(x apiv1.Member) string { return x.Username })
	for _, mem := range members {
		m.Members = append(m.Members, memberDataModel{Username: types.StringValue(mem.Username), Role: types.StringValue(mem.Role)})
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}
