"""Background jobs on Huey (issue 13): the queue (``engine``), every job and periodic job
(``tasks``), ``fieldcert worker`` (``worker``) and the admins' view (``routes``)."""
