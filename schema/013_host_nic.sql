-- nsgflow database, schema version 13: an APIM host's NIC.
--
-- The NIC (mac.address) whose flow logs carry the host's address on their
-- logged side, as the analysis found it: the report names each NIC of its
-- coverage by its APIM hosts' addresses, and marks the hours without a
-- blob of that NIC in the host's findings. NULL when the host had no flows
-- of its own in the window (given or configured only), and for analyses
-- kept from before this version (the report then names that NIC by its MAC
-- alone; analyzing the window again fills it in).
ALTER TABLE apim_host ADD COLUMN mac TEXT;
