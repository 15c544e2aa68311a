"""The web desk (`dossier web`): uploads, live status, review and programme stages.

Cities upload their applicants' dossiers, the province reviews them; every report, review
mark and stage change lives in the pipeline's database, beside the store's tables. See
webdesk/README.md for running it.
"""
