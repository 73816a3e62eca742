"""A real SMTP server for FlashScale's tests.

aiosmtpd (Debian's python3-aiosmtpd) on HOST:PORT, storing every message it
accepts as one file in the Maildir DIR, and refusing for good (550) any
recipient whose local part starts with "bounce", as a receiving server
refuses an unknown user. It prints "ready" once it accepts connections and
stops on SIGTERM or SIGINT.

usage: smtpd.py HOST PORT DIR
"""

import signal
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox


class Handler(Mailbox):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.split("@", 1)[0].startswith("bounce"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def main():
    host, port, maildir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    stop = {signal.SIGTERM, signal.SIGINT}
    # Blocked before the server's thread starts, so that thread inherits
    # the mask and sigwait below receives them.
    signal.pthread_sigmask(signal.SIG_BLOCK, stop)
    controller = Controller(Handler(maildir), hostname=host, port=port)
    controller.start()
    print("ready", flush=True)
    signal.sigwait(stop)
    controller.stop()


if __name__ == "__main__":
    main()
