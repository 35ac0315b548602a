import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from hebi.core.demo import DEFAULT_DEMO_PASSWORD, DEMO_PASSWORD_ENV, DemoDataError, seed_demo


class Command(BaseCommand):
    help = "Load the Changchun demo (real organisations with sources, fictional people). Idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report, accounts = seed_demo()
        except DemoDataError as error:
            raise CommandError(str(error)) from error
        if report.wrote_nothing:
            self.stdout.write("Demo data already loaded: nothing changed.")
        else:
            self.stdout.write(f"Created: {report.created}")
            if report.updated:
                self.stdout.write(f"Updated: {report.updated}")
            # Fresh statistics after a bulk load let the planner start searches from the
            # full-text matches instead of walking a status index.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        for note in report.notes:
            self.stdout.write(f"Note: {note}")
        password = os.environ.get(DEMO_PASSWORD_ENV, DEFAULT_DEMO_PASSWORD)
        self.stdout.write("\nDemo accounts (fictional people), password: " + password)
        for username, who, roles in accounts:
            self.stdout.write(f"  {username:<15} {who}  [{', '.join(str(r) for r in roles)}]")
