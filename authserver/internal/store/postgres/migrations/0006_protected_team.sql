-- The team that owns the namespaces registry pushes and the sync create is
-- told by this flag, not by its name (security 40): only a protected team
-- gets them, and a protected team cannot be deleted. An existing team named
-- admins is protected only when every owner of it is an enabled admin (else
-- someone may have deleted and re-created it; an admin then sets it right).
ALTER TABLE teams ADD COLUMN protected BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE teams SET protected = TRUE WHERE name = 'admins'
    AND NOT EXISTS (SELECT 1 FROM members m JOIN users u ON u.username = m.username
        WHERE m.team = 'admins' AND m.role = 'owner' AND NOT (u.admin AND u.enabled));
