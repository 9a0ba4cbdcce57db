package provider

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// nameValidator checks the server's name grammar at plan time.
type nameValidator struct{ robot bool }

var _ validator.String = nameValidator{}

func validName() nameValidator { return nameValidator{} }

// validRobotName accepts a robot name with or without the robot$ prefix.
func validRobotName() nameValidator { return nameValidator{robot: true} }

func (v nameValidator) Description(context.Context) string {
	if v.robot {
		return "a robot name (`robot$` prefix optional): " + nameRule
	}
	return "a name: " + nameRule
}

func (v nameValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v nameValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	name := req.ConfigValue.ValueString()
	if v.robot {
		name = strings.TrimPrefix(name, robotPrefix)
	}
	if msg := checkName(name); msg != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid name", msg)
	}
}

// futureTimeRule describes an expiry for the docs; resources check it in
// ModifyPlan when the value is new or changed (an unchanged expiry that has
// passed is the object expiring, not a typo).
const futureTimeRule = "an RFC 3339 time in the future, e.g. `2030-01-02T15:04:05Z`"

// passwordValidator mirrors the server's password rules.
type passwordValidator struct{}

var _ validator.String = passwordValidator{}

func (passwordValidator) Description(context.Context) string {
	return fmt.Sprintf("%d to %d bytes, not blank, not starting with `dmt_` or `dmr_`", minPasswordLength, maxPasswordBytes)
}

func (v passwordValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (passwordValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	pw := req.ConfigValue.ValueString()
	switch {
	case utf8.RuneCountInString(pw) < minPasswordLength:
		resp.Diagnostics.AddAttributeError(req.Path, "Password too short", fmt.Sprintf("the password must be at least %d characters long", minPasswordLength))
	case len(pw) > maxPasswordBytes:
		resp.Diagnostics.AddAttributeError(req.Path, "Password too long", fmt.Sprintf("the password must be at most %d bytes long (a bcrypt limit)", maxPasswordBytes))
	case strings.HasPrefix(pw, "dmt_") || strings.HasPrefix(pw, "dmr_"):
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid password", "the password must not start with `dmt_` or `dmr_` (reserved for generated secrets)")
	case strings.TrimSpace(pw) == "" || strings.ContainsRune(pw, 0):
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid password", "the password must not be blank or contain NUL characters")
	}
}
