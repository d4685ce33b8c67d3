"""A local stand-in of Salesforce's OAuth token endpoint (the demo org)."""
