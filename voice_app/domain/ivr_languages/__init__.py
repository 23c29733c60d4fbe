"""The IVR script in languages other than French, one module per language, as plain data.

Each module gives the language's name (in French, for coordinators), the `<Say>` language and
voice, the speech recognition language, the prompts (keyed by `Prompt` value), the speech
hints and the spoken words of each menu (keyed by `Step` then `Choice` value). The keys are
the same in every language: 1 is always "all is well". French, the default, lives in
voice_app.domain.ivr_script; these texts should be reviewed by a native speaker before
production.
"""
