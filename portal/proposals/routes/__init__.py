"""The proposal pages, by who uses them: the public, the person proposing, the proposer afterwards, moderators."""

from portal.proposals.routes import common, manage, moderation, proposer, proposing, public  # noqa: F401
