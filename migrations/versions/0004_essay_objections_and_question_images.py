"""essay objections and question images

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 14:32:41.205763

"""
from alembic import op
import sqlalchemy as sa

import lms.core.db


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    # Existing rows get empty text (server defaults) so the NOT NULL columns can be added.
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('objection', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('objected_at', lms.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('first_score', sa.Numeric(precision=8, scale=2), nullable=True))
        batch_op.add_column(sa.Column('first_comment', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('first_graded_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_answer_first_graded_by_id_user'), 'user', ['first_graded_by_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.add_column(sa.Column('image_key', sa.String(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('image_type', sa.String(length=50), nullable=False, server_default=''))

    # ### end Alembic commands ###


def downgrade():
    # Existing rows get empty text (server defaults) so the NOT NULL columns can be added.
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_column('image_type')
        batch_op.drop_column('image_key')

    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_answer_first_graded_by_id_user'), type_='foreignkey')
        batch_op.drop_column('first_graded_by_id')
        batch_op.drop_column('first_comment')
        batch_op.drop_column('first_score')
        batch_op.drop_column('objected_at')
        batch_op.drop_column('objection')

    # ### end Alembic commands ###
