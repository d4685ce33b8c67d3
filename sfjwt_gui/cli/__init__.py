"""The `sfjwt` command line, driving the same engine as the window."""
