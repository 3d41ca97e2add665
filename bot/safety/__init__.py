"""Safety: hear danger in free text (crisis words), whatever state the conversation is in."""
