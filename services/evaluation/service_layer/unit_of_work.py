from services.evaluation.adapters.repository import (
    AgreementCopies,
    Attachments,
    ChiefEvaluations,
    ChiefRounds,
    CommissionerEvaluations,
    CommissionerRounds,
    EnterpriseCopies,
    InstitutionCopies,
    ResearcherCopies,
    ServiceRecords,
    TechnologyContracts,
)
from shared.unit_of_work import SqlAlchemyUnitOfWork


class EvaluationUnitOfWork(SqlAlchemyUnitOfWork):
    def _open(self) -> None:
        self.researchers = ResearcherCopies(self.session)
        self.institutions = InstitutionCopies(self.session)
        self.enterprises = EnterpriseCopies(self.session)
        self.agreements = AgreementCopies(self.session)
        self.service_records = ServiceRecords(self.session)
        self.chief_rounds = ChiefRounds(self.session)
        self.chief_evaluations = ChiefEvaluations(self.session)
        self.commissioner_rounds = CommissionerRounds(self.session)
        self.commissioner_evaluations = CommissionerEvaluations(self.session)
        self.attachments = Attachments(self.session)
        self.contracts = TechnologyContracts(self.session)
