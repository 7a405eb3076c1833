-- nsgflow database, schema version 17: the IPv6 addresses found without a
-- scan of every address. analyze reads "SELECT id FROM address WHERE
-- family = 6" on each run (which connections are IPv6); the table grows all
-- month, its IPv6 addresses are few. This partial index holds only them, so
-- the read costs what a day's IPv6 addresses cost, not what the archive's
-- addresses do.
CREATE INDEX address_v6 ON address(id) WHERE family = 6;
