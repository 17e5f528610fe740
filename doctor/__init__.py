"""openai-doctor: diagnoses an OpenAI API setup and explains what to fix."""

__version__ = "0.1.0"
