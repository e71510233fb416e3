"""pipedrive-sql: SQL over Pipedrive CRM."""
