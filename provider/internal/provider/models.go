package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The Terraform models of the provider, its resources, data sources and
// ephemeral resource, in one place.

type providerModel struct {
	Endpoint types.String `tfsdk:"endpoint"`
	Token    types.String `tfsdk:"token"`
	Username types.String `tfsdk:"username"`
	Password types.String `tfsdk:"password"`
	CAPEM    types.String `tfsdk:"ca_pem"`
	Insecure types.Bool   `tfsdk:"insecure"`
	Timeout  types.String `tfsdk:"timeout"`
}

type userModel struct {
	ID                types.String `tfsdk:"id"`
	Username          types.String `tfsdk:"username"`
	Email             types.String `tfsdk:"email"`
	DisplayName       types.String `tfsdk:"display_name"`
	Admin             types.Bool   `tfsdk:"admin"`
	Enabled           types.Bool   `tfsdk:"enabled"`
	PasswordWO        types.String `tfsdk:"password_wo"`
	PasswordWOVersion types.Int64  `tfsdk:"password_wo_version"`
}

type teamModel struct {
	ID          types.String `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	Description types.String `tfsdk:"description"`
}

type teamMemberModel struct {
	ID       types.String `tfsdk:"id"`
	Team     types.String `tfsdk:"team"`
	Username types.String `tfsdk:"username"`
	Role     types.String `tfsdk:"role"`
}

type namespaceModel struct {
	ID          types.String `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	Team        types.String `tfsdk:"team"`
	Visibility  types.String `tfsdk:"visibility"`
	Description types.String `tfsdk:"description"`
}

type permissionModel struct {
	ID        types.String `tfsdk:"id"`
	Namespace types.String `tfsdk:"namespace"`
	Role      types.String `tfsdk:"role"`
	User      types.String `tfsdk:"user"`
	Team      types.String `tfsdk:"team"`
	Robot     types.String `tfsdk:"robot"`
}

type robotAccountModel struct {
	ID          types.String `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	FullName    types.String `tfsdk:"full_name"`
	Team        types.String `tfsdk:"team"`
	Description types.String `tfsdk:"description"`
	Enabled     types.Bool   `tfsdk:"enabled"`
	ExpiresAt   types.String `tfsdk:"expires_at"`
	Access      types.Set    `tfsdk:"access"`
	Rotation    types.String `tfsdk:"rotation"`
	Secret      types.String `tfsdk:"secret"`
}

type robotAccessModel struct {
	Namespace types.String `tfsdk:"namespace"`
	Role      types.String `tfsdk:"role"`
}

// robotAccessAttrTypes is the object type of one access entry.
var robotAccessAttrTypes = map[string]attr.Type{
	"namespace": types.StringType,
	"role":      types.StringType,
}

type applicationTokenModel struct {
	ID        types.String `tfsdk:"id"`
	Username  types.String `tfsdk:"username"`
	Name      types.String `tfsdk:"name"`
	ExpiresAt types.String `tfsdk:"expires_at"`
	CreatedAt types.String `tfsdk:"created_at"`
	Secret    types.String `tfsdk:"secret"`
}

type settingsModel struct {
	ID                    types.String `tfsdk:"id"`
	PushPolicy            types.String `tfsdk:"push_policy"`
	AnonymousPull         types.Bool   `tfsdk:"anonymous_pull"`
	DeleteEnabled         types.Bool   `tfsdk:"delete_enabled"`
	ContributorsMayDelete types.Bool   `tfsdk:"contributors_may_delete"`
	TeamCreation          types.String `tfsdk:"team_creation"`
	NamespaceCreation     types.String `tfsdk:"namespace_creation"`
	TokenLifetimeSeconds  types.Int64  `tfsdk:"token_lifetime_seconds"`
}

// ---- data sources ----

type userDataModel struct {
	Username    types.String `tfsdk:"username"`
	Email       types.String `tfsdk:"email"`
	DisplayName types.String `tfsdk:"display_name"`
	Admin       types.Bool   `tfsdk:"admin"`
	Enabled     types.Bool   `tfsdk:"enabled"`
	Bot         types.Bool   `tfsdk:"bot"`
}

type teamDataModel struct {
	Name        types.String      `tfsdk:"name"`
	Description types.String      `tfsdk:"description"`
	Members     []memberDataModel `tfsdk:"members"`
}

type memberDataModel struct {
	Username types.String `tfsdk:"username"`
	Role     types.String `tfsdk:"role"`
}

type namespaceDataModel struct {
	Name        types.String `tfsdk:"name"`
	Kind        types.String `tfsdk:"kind"`
	Team        types.String `tfsdk:"team"`
	Owner       types.String `tfsdk:"owner"`
	Visibility  types.String `tfsdk:"visibility"`
	Description types.String `tfsdk:"description"`
}

type namespacesDataModel struct {
	Query      types.String         `tfsdk:"query"`
	Namespaces []namespaceDataModel `tfsdk:"namespaces"`
}

type repositoryDataModel struct {
	Name        types.String        `tfsdk:"name"`
	Namespace   types.String        `tfsdk:"namespace"`
	Description types.String        `tfsdk:"description"`
	TagCount    types.Int64         `tfsdk:"tag_count"`
	PullCount   types.Int64         `tfsdk:"pull_count"`
	Tags        []tagDataModel      `tfsdk:"tags"`
	Manifests   []manifestDataModel `tfsdk:"manifests"`
}

type manifestDataModel struct {
	Digest       types.String         `tfsdk:"digest"`
	Kind         types.String         `tfsdk:"kind"`
	ArtifactType types.String         `tfsdk:"artifact_type"`
	MediaType    types.String         `tfsdk:"media_type"`
	Size         types.Int64          `tfsdk:"size"`
	Tags         []types.String       `tfsdk:"tags"`
	Platforms    []types.String       `tfsdk:"platforms"`
	ChartName    types.String         `tfsdk:"chart_name"`
	ChartVersion types.String         `tfsdk:"chart_version"`
	AppVersion   types.String         `tfsdk:"app_version"`
	Accessories  []accessoryDataModel `tfsdk:"accessories"`
}

type accessoryDataModel struct {
	Digest       types.String `tfsdk:"digest"`
	Kind         types.String `tfsdk:"kind"`
	ArtifactType types.String `tfsdk:"artifact_type"`
}

type tagDataModel struct {
	Name         types.String `tfsdk:"name"`
	Digest       types.String `tfsdk:"digest"`
	MediaType    types.String `tfsdk:"media_type"`
	Size         types.Int64  `tfsdk:"size"`
	PushedBy     types.String `tfsdk:"pushed_by"`
	PushedAt     types.String `tfsdk:"pushed_at"`
	Kind         types.String `tfsdk:"kind"`
	ArtifactType types.String `tfsdk:"artifact_type"`
}

type repositoriesDataModel struct {
	Namespace    types.String             `tfsdk:"namespace"`
	Repositories []repositorySummaryModel `tfsdk:"repositories"`
}

type repositorySummaryModel struct {
	Name        types.String `tfsdk:"name"`
	Namespace   types.String `tfsdk:"namespace"`
	Description types.String `tfsdk:"description"`
	TagCount    types.Int64  `tfsdk:"tag_count"`
	PullCount   types.Int64  `tfsdk:"pull_count"`
}

type meDataModel struct {
	Kind           types.String       `tfsdk:"kind"`
	Name           types.String       `tfsdk:"name"`
	Admin          types.Bool         `tfsdk:"admin"`
	CanCreateTeams types.Bool         `tfsdk:"can_create_teams"`
	Teams          []meTeamModel      `tfsdk:"teams"`
	Namespaces     []meNamespaceModel `tfsdk:"namespaces"`
}

type meTeamModel struct {
	Team types.String `tfsdk:"team"`
	Role types.String `tfsdk:"role"`
}

type meNamespaceModel struct {
	Namespace types.String   `tfsdk:"namespace"`
	Role      types.String   `tfsdk:"role"`
	Actions   []types.String `tfsdk:"actions"`
}

// ---- ephemeral resource ----

type registryCredentialsModel struct {
	TTL           types.String   `tfsdk:"ttl"`
	Scopes        []types.String `tfsdk:"scopes"`
	Service       types.String   `tfsdk:"service"`
	Username      types.String   `tfsdk:"username"`
	Password      types.String   `tfsdk:"password"`
	RegistryToken types.String   `tfsdk:"registry_token"`
	ExpiresAt     types.String   `tfsdk:"expires_at"`
}
