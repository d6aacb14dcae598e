from services.evaluation.adapters.orm import registry_copies as registry_copy_tables
from services.evaluation.adapters.repository import (
    AgreementCopies,
    Attachments,
    ChiefEvaluations,
    ChiefRounds,
    CommissionerEvaluations,
    CommissionerRounds,
    ServiceRecords,
    TechnologyContracts,
)
from shared.copies import registry_copies
from shared.unit_of_work import SqlAlchemyUnitOfWork


class EvaluationUnitOfWork(SqlAlchemyUnitOfWork):
    def _open(self) -> None:
        self.researchers, self.institutions, self.enterprises = registry_copies(self.session, registry_copy_tables)
        self.agreements = AgreementCopies(self.session)
        self.service_records = ServiceRecords(self.session)
        self.chief_rounds = ChiefRounds(self.session)
        self.chief_evaluations = ChiefEvaluations(self.session)
        self.commissioner_rounds = CommissionerRounds(self.session)
        self.commissioner_evaluations = CommissionerEvaluations(self.session)
        self.attachments = Attachments(self.session)
        self.contracts = TechnologyContracts(self.session)
