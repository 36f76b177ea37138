"""Telecom prompts. The system line is folded into the user turn (Gemma has no system role)."""

SYSTEM = "Answer briefly as a telecom network engineer."

DEMO_QUESTIONS = [
    "What does the UPF do in the 5G core?",
    "How does BGP choose between two paths to the same prefix?",
    "Why would you use DSCP EF marking for voice traffic?",
]
