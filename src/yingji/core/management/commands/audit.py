"""`yingji audit verify | checkpoint | rekey`: check the audit log's keyed hash chain, record its head
outside the database, and rotate its key (docs/security.md, "Audit chain")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from yingji.core import audit


class Command(BaseCommand):
    help = (
        "verify: check that no audit entry was changed, removed or inserted behind the application's back "
        "(with --checkpoints, that the head recorded in each checkpoint is still there, unchanged); "
        "checkpoint: append the chain's head to a file outside the database; "
        "rekey: hash the whole chain again under a new key (stop the server and workers first)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "checkpoint", "rekey"])
        parser.add_argument(
            "--checkpoints",
            type=Path,
            help="verify: also check the checkpoints in this file (written by `yingji audit checkpoint`)",
        )
        parser.add_argument(
            "--file",
            type=Path,
            default=None,
            help="checkpoint: the file to append to (default: YINGJI_AUDIT_CHECKPOINTS, "
            "else var/audit-checkpoints.jsonl)",
        )
        parser.add_argument(
            "--new-key-file",
            type=Path,
            default=None,
            help="rekey: where to write the new key (needed when the key comes from YINGJI_AUDIT_KEY)",
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "verify":
            self._verify(options["checkpoints"])
        elif action == "checkpoint":
            self._checkpoint(options["file"] or Path(settings.AUDIT_CHECKPOINT_FILE))
        else:
            self._rekey(options["new_key_file"])

    def _verify(self, checkpoints_file: Path | None) -> None:
        checked, problem = audit.verify_chain()
        if problem is None and checkpoints_file is not None:
            try:
                checkpoints = audit.read_checkpoints(checkpoints_file)
            except (OSError, ValueError) as error:
                raise CommandError(f"cannot read the checkpoints: {error}") from None
            problem = audit.check_checkpoints(checkpoints)
            if problem is None:
                self.stdout.write(f"{len(checkpoints)} checkpoints hold")
        if problem is None:
            self.stdout.write(f"audit chain intact: {checked} entries verified")
            return
        where = "after the last entry" if problem.entry_id < 0 else f"at entry {problem.entry_id}"
        self.stderr.write(
            f"audit chain BROKEN {where}: {problem.reason} ({checked} entries verified before it)"
        )
        raise SystemExit(1)

    def _checkpoint(self, path: Path) -> None:
        try:
            checkpoint = audit.write_checkpoint(path)
        except audit.ChainBroken as error:
            self.stderr.write(str(error))
            raise SystemExit(1) from None
        self.stdout.write(
            f"checkpoint appended to {path}: entry {checkpoint.entry_id} {checkpoint.entry_hash} "
            f"({checkpoint.entries} entries)"
        )

    def _rekey(self, new_key_file: Path | None) -> None:
        from_environment = bool(settings.AUDIT_KEY)
        if from_environment and new_key_file is None:
            raise CommandError(
                "the key comes from YINGJI_AUDIT_KEY: give --new-key-file PATH for the new key, then set "
                "YINGJI_AUDIT_KEY to it before starting the server and workers again"
            )
        key_file = Path(settings.AUDIT_KEY_FILE)
        target = new_key_file or key_file.with_name(key_file.name + ".new")
        old_key, new_key = audit.chain_key(), audit.new_key()
        audit.write_key_file(target, new_key, replace=True)
        try:
            done = audit.rekey_chain(old_key, new_key)
        except audit.ChainBroken as error:
            target.unlink(missing_ok=True)
            self.stderr.write(str(error))
            raise SystemExit(1) from None
        self.stdout.write(
            f"re-hashed {done.entries} entries under key {audit.key_fingerprint(new_key)}; "
            f"entry {done.entry_id} records it (the head before was {done.previous_head})"
        )
        if new_key_file is None:
            target.replace(key_file)  # only now: until the chain was re-hashed, the old key held
            audit.forget_key()
            self.stdout.write(f"the new key is in {key_file}")
        else:
            self.stdout.write(f"the new key is in {target}: put it where the processes read it")
        self.stdout.write("write a new checkpoint now: `yingji audit checkpoint`")
