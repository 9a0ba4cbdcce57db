package provider

import (
	"errors"
	"fmt"
	"net"
	"net/url"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/dockmaster/dockmaster/internal/client"
)

// The provider's canned diagnostics: every error a user sees is built here,
// so the advice is the same wherever the failure happens.

// apiError turns a failed API call into one diagnostic that says what to do.
// what is the action in words ("create team \"devs\"").
func apiError(what string, err error) diag.Diagnostic {
	var uerr *url.Error
	var nerr net.Error
	switch {
	case client.IsNoRoute(err):
		return diag.NewErrorDiagnostic("Dockmaster server too old",
			fmt.Sprintf("Cannot %s: the server does not serve this call (%v). Upgrade the Dockmaster server, or use an older provider.", what, err))
	case client.IsUnauthenticated(err):
		return diag.NewErrorDiagnostic("Credentials refused",
			fmt.Sprintf("Cannot %s: the server refused the provider's credentials (%v). Check token (DOCKMASTER_TOKEN) or username and password (DOCKMASTER_USERNAME, DOCKMASTER_PASSWORD).", what, err))
	case client.IsForbidden(err):
		return diag.NewErrorDiagnostic("Permission denied",
			fmt.Sprintf("Cannot %s: the provider's identity may not do this (%v). Use an admin's credentials or an owner of the team.", what, err))
	case client.StatusOf(err) >= 500:
		return diag.NewErrorDiagnostic("Dockmaster server error",
			fmt.Sprintf("Cannot %s: the server failed (%v). Nothing in the state was changed; retry when the server is healthy.", what, err))
	case errors.As(err, &uerr) || errors.As(err, &nerr):
		return diag.NewErrorDiagnostic("Dockmaster server unreachable",
			fmt.Sprintf("Cannot %s: %v. Check endpoint (DOCKMASTER_ENDPOINT), that the server runs, and ca_pem or insecure for TLS.", what, err))
	}
	return diag.NewErrorDiagnostic("Dockmaster API error", fmt.Sprintf("Cannot %s: %v", what, err))
}

// alreadyExists is the answer to a 409 on create: the object exists, and the
// way to manage it is to import it.
func alreadyExists(typeName, what, id string, err error) diag.Diagnostic {
	return diag.NewErrorDiagnostic("Object already exists",
		fmt.Sprintf("%s already exists on the server (%v). To manage it with Terraform, import it instead of creating it:\n\n"+
			"  terraform import %s.<resource name> %s\n\n"+
			"or add an import block:\n\n  import {\n    to = %s.<resource name>\n    id = %q\n  }",
			what, err, typeName, shellQuote(id), typeName, id))
}

// notConfigured is the error of a resource used before the provider was
// configured (never with Terraform itself).
func notConfigured() diag.Diagnostic {
	return diag.NewErrorDiagnostic("Provider not configured",
		"The dockmaster provider was not configured: this is a bug in the provider or its test harness.")
}

// badImportID explains the import ID format of a resource.
func badImportID(typeName, format, got string) diag.Diagnostic {
	return diag.NewErrorDiagnostic("Invalid import ID",
		fmt.Sprintf("%s is imported by %s; got %q.", typeName, format, got))
}

// shellQuote quotes an ID for a shell command when it needs quoting (robot$x).
func shellQuote(s string) string {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '/' || r == '-' || r == '_' || r == '.') {
			return "'" + s + "'"
		}
	}
	return s
}
