"""English."""

NAME = "anglais"
SAY_LANGUAGE = "en-GB"
SPEECH_LANGUAGE = "en-GB"
VOICE = "Polly.Amy"

PROMPTS = {
    "identity": ("Hello, this is Veille, the wellbeing call service of {bailleur}.",),
    "emergency": ("In an emergency, hang up and call 15 or 112.",),
    "menu": (
        "If all is well, press 1, or say yes.",
        "If you need help, press 2, or say help.",
        "To speak to someone now, press 0.",
        "To stop these calls, press 9.",
        "To hear this again, press star.",
    ),
    "not_heard": ("I did not hear your answer.", "I will repeat."),
    "not_understood": ("That choice does not exist.", "I will repeat."),
    "confirm_all_well": ("You answered: all is well.", "Thank you, and have a good day."),
    "confirm_need_help": ("You answered: I need help.",),
    "help_question": (
        "For your health, press 1.",
        "For meals or shopping, press 2.",
        "For something else, your home, money, or if you feel lonely, press 3.",
    ),
    "confirm_health": ("You answered: my health.", "A volunteer will call you back very soon."),
    "confirm_food": ("You answered: meals or shopping.", "A volunteer will call you back today."),
    "confirm_other": ("You answered: something else.", "A volunteer will call you back today."),
    "help_no_answer": ("Your request for help is noted.", "A volunteer will call you back today."),
    "confirm_talk_now": ("You asked to speak to someone.",
                         "I am looking for a volunteer. Please stay on the line."),
    "nobody_available": ("No volunteer is available right now.", "A volunteer will call you back very soon."),
    "transfer_missed": ("No volunteer could answer.", "A volunteer will call you back very soon."),
    "stop_question": (
        "You asked to stop these calls.",
        "To confirm, press 9 again.",
        "To keep receiving the calls, press 1.",
    ),
    "confirm_stop": ("It is noted: we will not call you again.",
                     "You can still call us if you change your mind."),
    "stop_request_noted": ("Your request is noted.", "We will call you back to confirm it."),
    "request_question": (
        "You asked not to be called any more.",
        "To confirm, press 9.",
        "To keep receiving the calls, press 1.",
    ),
    "request_not_confirmed": ("You did not confirm.", "The calls will go on."),
    "stop_cancelled": ("All right, the calls will go on.",),
    "stop_not_confirmed": ("You did not confirm.", "The calls will go on.",
                           "A volunteer will call you back to talk about it."),
    "no_key": ("I did not get an answer.", "A volunteer will call you back."),
    "goodbye": ("Goodbye.",),
    "voicemail_message": (
        "Hello, this is Veille, the wellbeing call service of {bailleur}.",
        "We tried to reach you to hear how you are.",
        "You can call us back on {numero}.",
        "I repeat: {numero}.",
        "In an emergency, call 15 or 112.",
        "Goodbye.",
    ),
    "unknown_call": ("We cannot follow up on this call.", "Goodbye."),
    "technical_problem": (
        "We have a technical problem.",
        "A volunteer will call you back.",
        "In an emergency, call 15 or 112.",
        "Goodbye.",
    ),
    "call_again_later": (
        "We have a technical problem.",
        "Please call back in a few minutes.",
        "In an emergency, call 15 or 112.",
        "Goodbye.",
    ),
}

HINTS = {"menu": "yes, help", "help": "health, doctor, shopping, meals, other"}

WORDS = {
    "menu": {"help": "need_help", "yes": "all_well"},
    "help": {"health": "health", "doctor": "health", "shopping": "food", "meals": "food",
             "food": "food", "other": "other"},
}
