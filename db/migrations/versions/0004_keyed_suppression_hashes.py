"""keyed suppression hashes

The opt-out list kept plain SHA-256 digests, which anyone holding the table can reverse by
hashing every French number. Each digest becomes HMAC-SHA256(SUPPRESSION_KEY, digest): the
numbers are never needed, so nothing is lost and nothing is decrypted. `key_id` names the
key that made each entry, so a process started with another key refuses to use the list.

The key is the one the release process runs with (SUPPRESSION_KEY, or the development
default), or the one db.migrate.upgrade was given. The formulas are written out here, as
voice_app.services.suppression had them when this migration was made.

Downgrade is refused while the list has entries: a keyed hash cannot be turned back into
the plain digest, and dropping the key id would lose which key made them.

Revision ID: 0004
Revises: 0010
Create Date: 2026-12-01 10:30:00
"""

import hashlib
import hmac

import sqlalchemy as sa
from alembic import context
from alembic import op

revision = "0004"
down_revision = "0010"
branch_labels = None
depends_on = None

KEY_ID_MESSAGE = b"veille-suppression-key-id"
suppressions = sa.table("phone_suppressions", sa.column("id", sa.Integer), sa.column("phone_hash", sa.String),
                        sa.column("key_id", sa.String))


def _key() -> str:
    key = context.config.attributes.get("suppression_key")
    if key:
        return key
    from voice_app.config import Settings

    return Settings.from_env().SUPPRESSION_KEY


def _keyed(key: str, digest: str) -> str:
    return hmac.new(key.encode(), digest.encode(), hashlib.sha256).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table("phone_suppressions") as batch:
        batch.add_column(sa.Column("key_id", sa.String(length=16), nullable=True))
    key = _key()
    key_id = hmac.new(key.encode(), KEY_ID_MESSAGE, hashlib.sha256).hexdigest()[:16]
    connection = op.get_bind()
    rows = connection.execute(sa.select(suppressions.c.id, suppressions.c.phone_hash)).all()
    for row in rows:
        connection.execute(suppressions.update().where(suppressions.c.id == row.id)
                           .values(phone_hash=_keyed(key, row.phone_hash), key_id=key_id))
    with op.batch_alter_table("phone_suppressions") as batch:
        batch.alter_column("key_id", existing_type=sa.String(length=16), nullable=False)


def downgrade() -> None:
    connection = op.get_bind()
    if connection.scalar(sa.select(sa.func.count()).select_from(suppressions)):
        raise RuntimeError("Refusing to downgrade 0004: the opt-out list holds keyed hashes, which cannot "
                           "be turned back into plain digests; the numbers would no longer be recognised.")
    with op.batch_alter_table("phone_suppressions") as batch:
        batch.drop_column("key_id")
