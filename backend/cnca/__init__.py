"""Monthly reporting to the CNCA (国家认监委): certificate, audit-plan and audit-result sheets."""
