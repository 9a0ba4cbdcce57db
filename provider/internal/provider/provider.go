// Package provider is the Terraform provider of Dockmaster, on
// terraform-plugin-framework. It talks to the server only through
// internal/client.
package provider

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/client"
)

// Address is the provider's source address.
const Address = "registry.terraform.io/dockmaster/dockmaster"

// defaultTimeout bounds each API request unless timeout says otherwise.
const defaultTimeout = 30 * time.Second

// requiredRoutes are the API operations this provider calls; a server that
// lacks one is too old, and Configure says so before anything is planned.
var requiredRoutes = []string{
	"GET /api/v1/me",
	"POST /api/v1/users", "GET /api/v1/users/{username}", "PATCH /api/v1/users/{username}", "DELETE /api/v1/users/{username}",
	"POST /api/v1/users/{username}/tokens", "GET /api/v1/users/{username}/tokens/{id}", "DELETE /api/v1/users/{username}/tokens/{id}",
	"POST /api/v1/teams", "GET /api/v1/teams/{team}", "PATCH /api/v1/teams/{team}", "DELETE /api/v1/teams/{team}",
	"GET /api/v1/teams/{team}/members", "POST /api/v1/teams/{team}/members", "GET /api/v1/teams/{team}/members/{username}",
	"PATCH /api/v1/teams/{team}/members/{username}", "DELETE /api/v1/teams/{team}/members/{username}",
	"GET /api/v1/namespaces", "POST /api/v1/namespaces", "GET /api/v1/namespaces/{namespace}",
	"PATCH /api/v1/namespaces/{namespace}", "DELETE /api/v1/namespaces/{namespace}",
	"POST /api/v1/namespaces/{namespace}/permissions", "GET /api/v1/namespaces/{namespace}/permissions/{kind}/{name}",
	"PATCH /api/v1/namespaces/{namespace}/permissions/{kind}/{name}", "DELETE /api/v1/namespaces/{namespace}/permissions/{kind}/{name}",
	"POST /api/v1/robots", "GET /api/v1/robots/{name}", "PATCH /api/v1/robots/{name}", "DELETE /api/v1/robots/{name}",
	"POST /api/v1/robots/{name}/secret",
	"GET /api/v1/repositories", "GET /api/v1/settings", "PATCH /api/v1/settings",
}

// dockmasterProvider is the provider.
type dockmasterProvider struct {
	version string
	// getenv reads the DOCKMASTER_* fallbacks (os.Getenv outside tests).
	getenv func(string) string
}

var (
	_ provider.Provider                       = (*dockmasterProvider)(nil)
	_ provider.ProviderWithEphemeralResources = (*dockmasterProvider)(nil)
)

// New returns the provider's constructor for providerserver.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &dockmasterProvider{version: version, getenv: os.Getenv}
	}
}

// providerData is what Configure hands to every resource and data source.
type providerData struct {
	client *client.Client
	// me is the identity of the provider's credentials.
	me apiv1.Me
	// endpoint, user and secret are the configured server and credentials
	// (for the ephemeral credentials and the token service).
	endpoint string
}

func (p *dockmasterProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "dockmaster"
	resp.Version = p.version
}

func (p *dockmasterProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manage a [Dockmaster](https://github.com/dockmaster/dockmaster) registry platform as code: users, teams, " +
			"memberships, namespaces, grants, robot accounts, application tokens and the site settings, through its REST API (`/api/v1`).\n\n" +
			"Authenticate with `token` (an application token or a robot secret) or with `username` and `password`. " +
			"Every argument also comes from a `DOCKMASTER_*` environment variable, which the configuration overrides.",
		Attributes: map[string]schema.Attribute{
			"endpoint": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Base URL of the Dockmaster server, e.g. `https://dockmaster.example.com`. Environment: `DOCKMASTER_ENDPOINT`. Required in one of the two.",
			},
			"token": schema.StringAttribute{
				Optional: true, Sensitive: true,
				MarkdownDescription: "An application token (`dmt_…`) or a robot secret, sent as a Bearer token. Environment: `DOCKMASTER_TOKEN`. Conflicts with `username`/`password`.",
			},
			"username": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Username for HTTP Basic authentication. Environment: `DOCKMASTER_USERNAME`.",
			},
			"password": schema.StringAttribute{
				Optional: true, Sensitive: true,
				MarkdownDescription: "Password (or an application token) for `username`. Environment: `DOCKMASTER_PASSWORD`.",
			},
			"ca_pem": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "PEM certificates to trust for the server's TLS certificate, in addition to the system's. Environment: `DOCKMASTER_CA_PEM`.",
			},
			"insecure": schema.BoolAttribute{
				Optional:            true,
				MarkdownDescription: "Skip verification of the server's TLS certificate (tests only). Environment: `DOCKMASTER_INSECURE` (`true`/`false`). Default `false`.",
			},
			"timeout": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Bound on each API request, as a Go duration (`30s`, `2m`). Environment: `DOCKMASTER_TIMEOUT`. Default `30s`.",
			},
		},
	}
}

func (p *dockmasterProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	for name, v := range map[string]interface{ IsUnknown() bool }{
		"endpoint": cfg.Endpoint, "token": cfg.Token, "username": cfg.Username, "password": cfg.Password,
		"ca_pem": cfg.CAPEM, "insecure": cfg.Insecure, "timeout": cfg.Timeout,
	} {
		if v.IsUnknown() {
			resp.Diagnostics.AddAttributeError(path.Root(name), "Unknown provider argument",
				fmt.Sprintf("%s depends on a value known only after apply; the provider needs it to plan. Apply its source first (-target) or use a literal or DOCKMASTER_%s.", name, strings.ToUpper(name)))
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}
	str := func(v types.String, env string) string {
		if !v.IsNull() {
			return v.ValueString()
		}
		return p.getenv(env)
	}
	endpoint := str(cfg.Endpoint, "DOCKMASTER_ENDPOINT")
	token := str(cfg.Token, "DOCKMASTER_TOKEN")
	username := str(cfg.Username, "DOCKMASTER_USERNAME")
	password := str(cfg.Password, "DOCKMASTER_PASSWORD")
	caPEM := str(cfg.CAPEM, "DOCKMASTER_CA_PEM")
	insecure := false
	if !cfg.Insecure.IsNull() {
		insecure = cfg.Insecure.ValueBool()
	} else if s := p.getenv("DOCKMASTER_INSECURE"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("insecure"), "Invalid DOCKMASTER_INSECURE", fmt.Sprintf("%q is not true or false", s))
			return
		}
		insecure = b
	}
	timeout := defaultTimeout
	if s := str(cfg.Timeout, "DOCKMASTER_TIMEOUT"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			resp.Diagnostics.AddAttributeError(path.Root("timeout"), "Invalid timeout", fmt.Sprintf("%q is not a positive Go duration such as 30s or 2m", s))
			return
		}
		timeout = d
	}

	switch {
	case endpoint == "":
		resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Missing endpoint",
			"Set endpoint in the provider block or DOCKMASTER_ENDPOINT to the server's base URL, e.g. https://dockmaster.example.com.")
	case token != "" && (username != "" || password != ""):
		resp.Diagnostics.AddAttributeError(path.Root("token"), "Conflicting credentials",
			"Set either token (DOCKMASTER_TOKEN) or username and password (DOCKMASTER_USERNAME, DOCKMASTER_PASSWORD), not both.")
	case token == "" && (username == "" || password == ""):
		resp.Diagnostics.AddAttributeError(path.Root("token"), "Missing credentials",
			"Set token (DOCKMASTER_TOKEN), or username and password (DOCKMASTER_USERNAME, DOCKMASTER_PASSWORD).")
	}
	if resp.Diagnostics.HasError() {
		return
	}

	hc, err := client.NewHTTPClient(client.TransportOptions{CAPEM: caPEM, Insecure: insecure, Timeout: timeout})
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("ca_pem"), "Invalid ca_pem", err.Error())
		return
	}
	auth := client.WithToken(token)
	if token == "" {
		auth = client.WithBasic(username, password)
	}
	c, err := client.New(endpoint, auth, client.WithHTTPClient(hc), client.WithUserAgent("terraform-provider-dockmaster/"+p.version))
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Invalid endpoint", err.Error())
		return
	}
	data, diags := connect(ctx, c)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	data.endpoint = endpoint
	tflog.Debug(ctx, "connected to Dockmaster", map[string]any{"endpoint": endpoint, "identity": data.me.Kind + " " + data.me.Name})
	resp.ResourceData, resp.DataSourceData, resp.EphemeralResourceData = data, data, data
}

// connect checks, once per run, that the server answers, serves every call
// the provider makes and accepts the credentials: each failure is one
// diagnostic that says what to do.
func connect(ctx context.Context, c *client.Client) (*providerData, diag.Diagnostics) {
	var diags diag.Diagnostics
	routes, err := c.Routes(ctx)
	if err != nil {
		if client.IsNotFound(err) {
			diags.AddError("Dockmaster server too old",
				fmt.Sprintf("%s does not serve /api/v1/openapi.json (%v): it is not a Dockmaster server, or one older than this provider. Check endpoint, or upgrade the server.", c.BaseURL(), err))
			return nil, diags
		}
		diags.Append(apiError("reach the Dockmaster server at "+c.BaseURL(), err))
		return nil, diags
	}
	var missing []string
	for _, r := range requiredRoutes {
		if !routes[r] {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		diags.AddError("Dockmaster server too old",
			fmt.Sprintf("The server at %s lacks API calls this provider needs: %s. Upgrade the Dockmaster server, or pin an older provider version.",
				c.BaseURL(), strings.Join(missing, ", ")))
		return nil, diags
	}
	me, err := c.Me(ctx)
	if err != nil {
		diags.Append(apiError("sign in to "+c.BaseURL(), err))
		return nil, diags
	}
	return &providerData{client: c, me: me}, diags
}

func (p *dockmasterProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewUserResource,
		NewTeamResource,
		NewTeamMemberResource,
		NewNamespaceResource,
		NewPermissionResource,
		NewRobotAccountResource,
		NewApplicationTokenResource,
		NewSettingsResource,
	}
}

func (p *dockmasterProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewUserDataSource,
		NewTeamDataSource,
		NewNamespaceDataSource,
		NewNamespacesDataSource,
		NewRepositoryDataSource,
		NewRepositoriesDataSource,
		NewMeDataSource,
	}
}

func (p *dockmasterProvider) EphemeralResources(context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{
		NewRegistryCredentialsEphemeralResource,
	}
}

// configured extracts the provider's data in a resource's or data source's
// Configure; nil (before the provider is configured) is not an error.
func configured(data any, diags *diag.Diagnostics) *providerData {
	if data == nil {
		return nil
	}
	pd, ok := data.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data", fmt.Sprintf("expected *providerData, got %T: a bug in the provider", data))
		return nil
	}
	return pd
}
