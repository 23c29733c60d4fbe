"""Spanish."""

NAME = "espagnol"
SAY_LANGUAGE = "es-ES"
SPEECH_LANGUAGE = "es-ES"
VOICE = "Polly.Lucia"

PROMPTS = {
    "identity": ("Buenos días, le llama Veille, el servicio de seguimiento de {bailleur}.",),
    "emergency": ("En caso de urgencia, cuelgue y llame al 15 o al 112.",),
    "menu": (
        "Si todo va bien, pulse 1, o diga sí.",
        "Si necesita ayuda, pulse 2, o diga ayuda.",
        "Para hablar con alguien ahora, pulse 0.",
        "Para no recibir más estas llamadas, pulse 9.",
        "Para volver a escuchar, pulse asterisco.",
    ),
    "not_heard": ("No he oído su respuesta.", "Repito."),
    "not_understood": ("Esa opción no existe.", "Repito."),
    "confirm_all_well": ("Ha respondido: todo va bien.", "Gracias, y que tenga un buen día."),
    "confirm_need_help": ("Ha respondido: necesito ayuda.",),
    "help_question": (
        "Para su salud, pulse 1.",
        "Para las comidas o la compra, pulse 2.",
        "Para otra cosa, la vivienda, el dinero, o si se siente solo, pulse 3.",
    ),
    "confirm_health": ("Ha respondido: mi salud.", "Un voluntario le llamará muy pronto."),
    "confirm_food": ("Ha respondido: las comidas o la compra.", "Un voluntario le llamará hoy."),
    "confirm_other": ("Ha respondido: otra cosa.", "Un voluntario le llamará hoy."),
    "help_no_answer": ("Su petición de ayuda está anotada.", "Un voluntario le llamará hoy."),
    "confirm_talk_now": ("Ha pedido hablar con alguien.", "Busco un voluntario. No cuelgue, por favor."),
    "nobody_available": ("No hay ningún voluntario disponible en este momento.",
                         "Un voluntario le llamará muy pronto."),
    "transfer_missed": ("Ningún voluntario ha podido contestar.", "Un voluntario le llamará muy pronto."),
    "stop_question": (
        "Ha pedido no recibir más estas llamadas.",
        "Para confirmar, pulse 9 otra vez.",
        "Para seguir recibiendo las llamadas, pulse 1.",
    ),
    "confirm_stop": ("Queda anotado: no le llamaremos más.", "Puede llamarnos siempre si cambia de opinión."),
    "stop_request_noted": ("Su petición está anotada.", "Le llamaremos para confirmarla."),
    "request_question": (
        "Ha pedido no recibir más llamadas.",
        "Para confirmar, pulse 9.",
        "Para seguir recibiendo las llamadas, pulse 1.",
    ),
    "request_not_confirmed": ("No ha confirmado.", "Las llamadas continúan."),
    "stop_cancelled": ("De acuerdo, las llamadas continúan.",),
    "stop_not_confirmed": ("No ha confirmado.", "Las llamadas continúan.",
                           "Un voluntario le llamará para hablarlo."),
    "no_key": ("No he recibido respuesta.", "Un voluntario le llamará."),
    "goodbye": ("Adiós.",),
    "voicemail_message": (
        "Buenos días, le llama Veille, el servicio de seguimiento de {bailleur}.",
        "Hemos intentado llamarle para saber cómo está.",
        "Puede llamarnos al {numero}.",
        "Repito: {numero}.",
        "En caso de urgencia, llame al 15 o al 112.",
        "Adiós.",
    ),
    "unknown_call": ("No podemos dar curso a esta llamada.", "Adiós."),
    "technical_problem": (
        "Tenemos un problema técnico.",
        "Un voluntario le llamará.",
        "En caso de urgencia, llame al 15 o al 112.",
        "Adiós.",
    ),
    "call_again_later": (
        "Tenemos un problema técnico.",
        "Por favor, vuelva a llamar en unos minutos.",
        "En caso de urgencia, llame al 15 o al 112.",
        "Adiós.",
    ),
}

HINTS = {"menu": "sí, ayuda", "help": "salud, médico, compra, comida, otra"}

WORDS = {
    "menu": {"ayuda": "need_help", "socorro": "need_help", "si": "all_well"},
    "help": {"salud": "health", "medico": "health", "compra": "food", "comida": "food",
             "comidas": "food", "otra": "other"},
}
