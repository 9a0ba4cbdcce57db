// Command terraform-provider-dockmaster is the Terraform provider of
// Dockmaster: users, teams, namespaces, grants and robots as code.
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/dockmaster/dockmaster/provider/internal/provider"
)

// version is set by the linker: -ldflags "-X main.version=1.2.3".
var version = "dev"

//go:generate go tool tfplugindocs generate --provider-name dockmaster --provider-dir . --examples-dir ../examples --rendered-website-dir docs

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run with support for debuggers like delve")
	flag.Parse()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address:         provider.Address,
		Debug:           debug,
		ProtocolVersion: 6,
	})
	if err != nil {
		log.Fatal(err)
	}
}
