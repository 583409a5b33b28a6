from pydantic import BaseModel, Field


class BlocklistConfig(BaseModel):
    """The run.yaml entry's `config` (the LLSD entry's `config`)."""

    blocked_words: list[str] = Field(default_factory=list, description="Words that flag a text (case-insensitive)")
