package provider

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockmaster/dockmaster/internal/apiv1"
)

const (
	defaultCredentialsTTL = time.Hour
	maxCredentialsTTL     = 24 * time.Hour
	// credentialsKey is the private-state key of what Close revokes.
	credentialsKey = "token"
)

type registryCredentialsEphemeralResource struct {
	data *providerData
	now  func() time.Time
}

var (
	_ ephemeral.EphemeralResourceWithConfigure = (*registryCredentialsEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithClose     = (*registryCredentialsEphemeralResource)(nil)
)

// NewRegistryCredentialsEphemeralResource is the constructor of the
// dockmaster_registry_credentials ephemeral resource.
func NewRegistryCredentialsEphemeralResource() ephemeral.EphemeralResource {
	return &registryCredentialsEphemeralResource{now: time.Now}
}

// closeData is what Open leaves for Close in the private state.
type closeData struct {
	Username string `json:"username"`
	ID       string `json:"id"`
}

func (e *registryCredentialsEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_registry_credentials"
}

func (e *registryCredentialsEphemeralResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Short-lived registry credentials for other providers (Terraform ≥ 1.10), e.g. the docker provider's `registry_auth`: " +
			"a fresh application token of the provider's user, expiring after `ttl` and **revoked when Terraform closes the resource** " +
			"(at the end of the run). With `scopes`, also a registry bearer token from the token service for exactly those scopes. " +
			"Nothing of it is ever written to the plan or the state. The provider must authenticate as a user (not a robot).",
		Attributes: map[string]schema.Attribute{
			"ttl": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: fmt.Sprintf("How long the credentials live at most, a Go duration. Default `%s`, at most `%s`.", defaultCredentialsTTL, maxCredentialsTTL),
			},
			"scopes": schema.ListAttribute{
				Optional: true, ElementType: types.StringType,
				MarkdownDescription: "Registry scopes (`repository:team/app:pull,push`) for `registry_token`. Unset: no registry token.",
			},
			"service": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "The token service's `service` (the registry's `auth.token.service`). Default `dockmaster`.",
			},
			"username": schema.StringAttribute{Computed: true, MarkdownDescription: "The username for `docker login`."},
			"password": schema.StringAttribute{Computed: true, Sensitive: true, MarkdownDescription: "The application token to use as the password."},
			"registry_token": schema.StringAttribute{
				Computed: true, Sensitive: true,
				MarkdownDescription: "With `scopes`: a registry bearer token granting the intersection of the scopes and the user's rights.",
			},
			"expires_at": schema.StringAttribute{Computed: true, MarkdownDescription: "When the credentials expire (RFC 3339)."},
		},
	}
}

func (e *registryCredentialsEphemeralResource) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	e.data = configured(req.ProviderData, &resp.Diagnostics)
}

func (e *registryCredentialsEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var m registryCredentialsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || !needData(e.data, &resp.Diagnostics) {
		return
	}
	ttl := defaultCredentialsTTL
	if !m.TTL.IsNull() {
		d, err := time.ParseDuration(m.TTL.ValueString())
		if err != nil || d <= 0 || d > maxCredentialsTTL {
			resp.Diagnostics.AddAttributeError(path.Root("ttl"), "Invalid ttl",
				fmt.Sprintf("%q is not a Go duration between 1s and %s", m.TTL.ValueString(), maxCredentialsTTL))
			return
		}
		ttl = d
	}
	if e.data.me.Kind != "user" {
		resp.Diagnostics.AddError("Registry credentials need a user",
			fmt.Sprintf("The provider authenticates as %s %q; dockmaster_registry_credentials makes application tokens, which only users have. Configure the provider with a user's credentials.", e.data.me.Kind, e.data.me.Name))
		return
	}
	user := e.data.me.Name
	suffix := make([]byte, 6)
	if _, err := rand.Read(suffix); err != nil {
		resp.Diagnostics.AddError("No randomness", err.Error())
		return
	}
	exp := e.now().Add(ttl).UTC().Truncate(time.Second)
	tok, err := e.data.client.CreateToken(ctx, user, apiv1.CreateToken{Name: "terraform-ephemeral-" + hex.EncodeToString(suffix), ExpiresAt: &exp})
	if err != nil {
		resp.Diagnostics.Append(apiError(fmt.Sprintf("create a short-lived application token for %q", user), err))
		return
	}
	priv, _ := json.Marshal(closeData{Username: user, ID: tok.ID})
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, credentialsKey, priv)...)

	m.Username = types.StringValue(user)
	m.Password = types.StringValue(tok.Secret)
	m.ExpiresAt = types.StringValue(exp.Format(time.RFC3339))
	m.RegistryToken = types.StringNull()
	if len(m.Scopes) > 0 {
		service := "dockmaster"
		if !m.Service.IsNull() {
			service = m.Service.ValueString()
		}
		scopes := make([]string, 0, len(m.Scopes))
		for _, s := range m.Scopes {
			scopes = append(scopes, s.ValueString())
		}
		bearer, _, err := e.data.client.RegistryToken(ctx, user, tok.Secret, service, scopes)
		if err != nil {
			_ = e.data.client.DeleteToken(ctx, user, tok.ID)
			resp.Diagnostics.Append(apiError("get a registry token for the scopes", err))
			return
		}
		m.RegistryToken = types.StringValue(bearer)
	}
	resp.Diagnostics.Append(resp.Result.Set(ctx, m)...)
}

func (e *registryCredentialsEphemeralResource) Close(ctx context.Context, req ephemeral.CloseRequest, resp *ephemeral.CloseResponse) {
	raw, diags := req.Private.GetKey(ctx, credentialsKey)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() || len(raw) == 0 || !needData(e.data, &resp.Diagnostics) {
		return
	}
	var cd closeData
	if err := json.Unmarshal(raw, &cd); err != nil {
		resp.Diagnostics.AddError("Corrupt private state", err.Error())
		return
	}
	if err := e.data.client.DeleteToken(ctx, cd.Username, cd.ID); err != nil && !gone(err) {
		resp.Diagnostics.Append(apiError(fmt.Sprintf("revoke the short-lived application token %s of %q", cd.ID, cd.Username), err))
	}
}
