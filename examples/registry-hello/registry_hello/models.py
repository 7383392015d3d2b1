"""The plugin's one table, prefixed with the plugin's name."""

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from registry_kernel.db import Base


class Greeting(Base):
    __tablename__ = "hello_greetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"))
    message: Mapped[str] = mapped_column(String(200))
