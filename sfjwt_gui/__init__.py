"""sfjwt-gui: set up, test and diagnose Salesforce's OAuth 2.0 JWT bearer login."""

__version__ = "0.1.0"
APP_NAME = "sfjwt-gui"
