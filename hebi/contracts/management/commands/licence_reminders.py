"""hebi licence_reminders [--date YYYY-MM-DD] [--days 30,7] [--queue]"""

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hebi.contracts import licence_services


class Command(BaseCommand):
    help = (
        "Notify licensors and licensees of unpaid licence payments due within the given windows "
        "(default 30 and 7 days) and of overdue ones; each reminder goes out once. Run it daily."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", default="", help="treat this day (YYYY-MM-DD) as today")
        parser.add_argument("--days", default="30,7", help="reminder windows in days, comma-separated")
        parser.add_argument(
            "--queue", action="store_true", help="enqueue the task instead of running it here"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["queue"]:
            from hebi.contracts.licence_tasks import payment_reminders

            payment_reminders.enqueue()
            self.stdout.write("queued licence payment reminders")
            return
        try:
            today = datetime.date.fromisoformat(options["date"]) if options["date"] else None
            days = tuple(int(part) for part in options["days"].split(",") if part.strip())
        except ValueError as exc:
            raise CommandError(f"bad --date or --days: {exc}") from exc
        if not days or any(d < 0 for d in days):
            raise CommandError("--days needs one or more non-negative numbers")
        sent = licence_services.send_payment_reminders(today=today, days=days)
        self.stdout.write(f"sent {sent} licence payment reminders")
