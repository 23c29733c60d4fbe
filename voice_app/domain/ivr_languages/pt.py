"""Portuguese (European Portuguese: most Portuguese speakers in the Paris region)."""

NAME = "portugais"
SAY_LANGUAGE = "pt-PT"
SPEECH_LANGUAGE = "pt-PT"
VOICE = "Polly.Ines"

PROMPTS = {
    "identity": ("Bom dia, aqui fala a Veille, o serviço de notícias de {bailleur}.",),
    "emergency": ("Em caso de urgência, desligue e ligue para o 15 ou o 112.",),
    "menu": (
        "Se está tudo bem, carregue no 1, ou diga sim.",
        "Se precisa de ajuda, carregue no 2, ou diga ajuda.",
        "Para falar com alguém agora, carregue no 0.",
        "Para deixar de receber estas chamadas, carregue no 9.",
        "Para ouvir de novo, carregue na estrela.",
    ),
    "not_heard": ("Não ouvi a sua resposta.", "Vou repetir."),
    "not_understood": ("Essa opção não existe.", "Vou repetir."),
    "confirm_all_well": ("Respondeu: está tudo bem.", "Obrigado, e bom dia."),
    "confirm_need_help": ("Respondeu: preciso de ajuda.",),
    "help_question": (
        "Para a sua saúde, carregue no 1.",
        "Para as refeições ou as compras, carregue no 2.",
        "Para outra coisa, a casa, o dinheiro, ou se se sente só, carregue no 3.",
    ),
    "confirm_health": ("Respondeu: a minha saúde.", "Um voluntário vai ligar-lhe muito em breve."),
    "confirm_food": ("Respondeu: as refeições ou as compras.", "Um voluntário vai ligar-lhe hoje."),
    "confirm_other": ("Respondeu: outra coisa.", "Um voluntário vai ligar-lhe hoje."),
    "help_no_answer": ("O seu pedido de ajuda foi registado.", "Um voluntário vai ligar-lhe hoje."),
    "confirm_talk_now": ("Pediu para falar com alguém.",
                         "Estou a procurar um voluntário. Não desligue, por favor."),
    "nobody_available": ("Nenhum voluntário está disponível de momento.",
                         "Um voluntário vai ligar-lhe muito em breve."),
    "transfer_missed": ("Nenhum voluntário pôde atender.", "Um voluntário vai ligar-lhe muito em breve."),
    "stop_question": (
        "Pediu para deixar de receber estas chamadas.",
        "Para confirmar, carregue outra vez no 9.",
        "Para continuar a receber as chamadas, carregue no 1.",
    ),
    "confirm_stop": ("Fica registado: não voltaremos a ligar-lhe.",
                     "Pode sempre ligar-nos se mudar de ideias."),
    "stop_request_noted": ("O seu pedido foi registado.", "Vamos ligar-lhe para o confirmar."),
    "request_question": (
        "Pediu para não voltar a ser chamado.",
        "Para confirmar, carregue no 9.",
        "Para continuar a receber as chamadas, carregue no 1.",
    ),
    "request_not_confirmed": ("Não confirmou.", "As chamadas continuam."),
    "stop_cancelled": ("Muito bem, as chamadas continuam.",),
    "stop_not_confirmed": ("Não confirmou.", "As chamadas continuam.",
                           "Um voluntário vai ligar-lhe para falar disso."),
    "no_key": ("Não recebi resposta.", "Um voluntário vai ligar-lhe."),
    "goodbye": ("Adeus.",),
    "voicemail_message": (
        "Bom dia, aqui fala a Veille, o serviço de notícias de {bailleur}.",
        "Tentámos contactá-lo para saber como está.",
        "Pode ligar-nos para o {numero}.",
        "Repito: {numero}.",
        "Em caso de urgência, ligue para o 15 ou o 112.",
        "Adeus.",
    ),
    "unknown_call": ("Não podemos dar seguimento a esta chamada.", "Adeus."),
    "technical_problem": (
        "Estamos com um problema técnico.",
        "Um voluntário vai ligar-lhe.",
        "Em caso de urgência, ligue para o 15 ou o 112.",
        "Adeus.",
    ),
    "call_again_later": (
        "Estamos com um problema técnico.",
        "Por favor, volte a ligar dentro de alguns minutos.",
        "Em caso de urgência, ligue para o 15 ou o 112.",
        "Adeus.",
    ),
}

HINTS = {"menu": "sim, ajuda", "help": "saúde, médico, compras, refeições, outra"}

WORDS = {
    "menu": {"ajuda": "need_help", "socorro": "need_help", "sim": "all_well"},
    "help": {"saude": "health", "medico": "health", "compras": "food", "refeicoes": "food",
             "comer": "food", "outra": "other"},
}
