"""``python -m pipedrive_sql.cli``: the same as the ``pipedrive-sql`` command."""

from __future__ import annotations

from pipedrive_sql.cli.app import main

if __name__ == "__main__":
    main()
