package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/app"
	"github.com/dockmaster/dockmaster/authserver/internal/token"
)

const keysUsage = `Usage:
  dockmaster keys list                      the signing keys: kid, algorithm, created, retired
  dockmaster keys rotate [--alg ES256] [--bits 3072]
                                            add a new signing key; older keys stay published for one token lifetime
  dockmaster keys export-cert [--out FILE]  PEM certificates of the published keys (the registry's auth.token.rootcertbundle)
  dockmaster keys export-jwks [--out FILE]  the published keys as a JWKS (the registry's auth.token.jwks)

Algorithms: ES256 (default), RS256, EdDSA. --bits is the RS256 key size: 2048, 3072 (default) or 4096; 3072 signs
about three times slower than 2048 and 4096 about twice slower again (ES256 and EdDSA sign far faster than any).
Every command also takes the database settings of "dockmaster serve".
After a rotation, export the certificates (or the JWKS) again and restart or reload the registries before the
old key's tokens expire: the registry finds the new key by its kid in rootcertbundle or jwks.
`

func cmdKeys(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, keysUsage)
		return errUsage
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "list", "rotate", "export-cert", "export-jwks":
	case "help", "-h", "--help":
		fmt.Fprint(stdout, keysUsage)
		return errHelp
	default:
		// Refused before any setting is read or the database is opened.
		fmt.Fprintf(stderr, "unknown keys command %q\n\n%s", sub, keysUsage)
		return errUsage
	}
	var alg, out string
	var bits int
	cfg, err := loadConfig("keys "+sub, args, getenv, stdout, func(fs *flag.FlagSet) {
		switch sub {
		case "rotate":
			fs.StringVar(&alg, "alg", token.DefaultAlg, "algorithm of the new key: ES256, RS256 or EdDSA")
			fs.IntVar(&bits, "bits", 0, "RS256 key size: 2048, 3072 or 4096 (default 3072)")
		case "export-cert", "export-jwks":
			fs.StringVar(&out, "out", "", "write to FILE instead of standard output")
		}
	})
	if err != nil {
		return err
	}
	st, err := app.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	kr := token.NewKeyring(app.KeyStore(st), cfg.Issuer)
	now := time.Now()
	switch sub {
	case "list":
		keys, err := st.ListKeys(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "KID\tALG\tCREATED\tRETIRED")
		for _, k := range keys {
			retired := "-"
			if !k.RetiredAt.IsZero() {
				retired = k.RetiredAt.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", k.KID, k.Alg, k.CreatedAt.Format(time.RFC3339), retired)
		}
		return tw.Flush()
	case "rotate":
		spec := token.KeySpec{Alg: alg, Bits: bits}
		k, err := kr.Rotate(ctx, spec, now)
		if err != nil {
			return fmt.Errorf("keys rotate: %w", err)
		}
		fmt.Fprintf(stdout, "new signing key %s (%s); export the certificates again and reload the registries\n", k.KID, spec)
		return nil
	}
	// export-cert, export-jwks: the published keys, those retired within
	// one token lifetime included.
	settings, err := st.GetSettings(ctx)
	if err != nil {
		return err
	}
	// The first export may come before the first start: make sure a key exists.
	if _, err := kr.Ensure(ctx, token.KeySpec{Alg: token.DefaultAlg}, now); err != nil {
		return err
	}
	export := kr.CertBundle
	if sub == "export-jwks" {
		export = kr.JWKS
	}
	b, err := export(ctx, now, settings.TokenLifetime)
	if err != nil {
		return err
	}
	return writeOut(stdout, out, b)
}

func writeOut(stdout io.Writer, path string, b []byte) error {
	if path == "" {
		_, err := stdout.Write(b)
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
