"""Telecom prompts. SYSTEM is the recipe's system prompt: the model's chat template places it (Gemma's folds it into
the first user turn), in training, `cookbook eval`, the demo and lm-eval alike."""

SYSTEM = "Answer briefly as a telecom network engineer."

DEMO_QUESTIONS = [
    "What does the UPF do in the 5G core?",
    "How does BGP choose between two paths to the same prefix?",
    "Why would you use DSCP EF marking for voice traffic?",
]
