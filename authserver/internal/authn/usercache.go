package authn

// Forget drops username's cached row: the next password login reads the
// store. Call it after every change of a user (password, enabled, admin,
// bot, deletion). Reads in flight do not fill the cache.
func (a *Authenticator) Forget(username string) { a.users.Forget(username) }

// SetUserCacheActive switches the user-row cache on or off (it cannot be
// switched on without a UserCacheTTL). Either way the cache is emptied and
// reads in flight do not fill it: rows kept before a period without
// invalidations cannot be trusted after it.
func (a *Authenticator) SetUserCacheActive(on bool) { a.users.SetActive(on) }

// UserCacheActive reports whether the password path reuses user rows now.
func (a *Authenticator) UserCacheActive() bool { return a.users.Active() }
