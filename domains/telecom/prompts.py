"""Telecom prompts. The system line is folded into the user turn (Gemma has no system role)."""

SYSTEM = "You are a telecom network engineer. Answer accurately and concisely in two to four sentences."

DEMO_QUESTIONS = [
    "What does the UPF do in the 5G core?",
    "How does BGP choose between two paths to the same prefix?",
    "Why would you use DSCP EF marking for voice traffic?",
]
