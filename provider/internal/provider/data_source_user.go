package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

type userDataSource struct{ data *providerData }

var _ datasource.DataSourceWithConfigure = (*userDataSource)(nil)

// NewUserDataSource is the constructor of the dockmaster_user data source.
func NewUserDataSource() datasource.DataSource { return &userDataSource{} }

func (d *userDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_user"
}

func (d *userDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up a user by username (admins, or the user themself).",
		Attributes: map[string]schema.Attribute{
			"username":     schema.StringAttribute{Required: true, MarkdownDescription: "The username.", Validators: []validator.String{validName()}},
			"email":        schema.StringAttribute{Computed: true, MarkdownDescription: "Email address."},
			"display_name": schema.StringAttribute{Computed: true, MarkdownDescription: "Display name."},
			"admin":        schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the user is a site admin."},
			"enabled":      schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the user may sign in."},
			"bot":          schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the user is a bot account (no personal namespace)."},
		},
	}
}

func (d *userDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configured(req.ProviderData, &resp.Diagnostics)
}

func (d *userDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m userDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || !needData(d.data, &resp.Diagnostics) {
		return
	}
	u, err := d.data.client.GetUser(ctx, m.Username.ValueString())
	if err != nil {
		resp.Diagnostics.Append(apiError(fmt.Sprintf("read user %q", m.Username.ValueString()), err))
		return
	}
	m = userDataModel{
		Username: types.StringValue(u.Username), Email: types.StringValue(u.Email), DisplayName: types.StringValue(u.DisplayName),
		Admin: types.BoolValue(u.Admin), Enabled: types.BoolValue(u.Enabled), Bot: types.BoolValue(u.Bot),
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}
