"""The registry's files: reading officers' spreadsheets (`spreadsheets`), importing them
(`imports`), and exporting the registry and the 上图 pack (`exports`)."""
